/**
 * Project AI conversations (docs/project-ai.md). A conversation is served by an agent run in chat
 * mode (chat-job.ts): the person's first message is the run's first turn; after every turn the
 * daemon asks what next (`run.turn`) and the answer (`run.next continue` with the next message)
 * is held until the person writes again (chat-turns.ts). Frames for the machine are commands of
 * the transaction (`changes.commands`): sent after commit by whichever replica holds the machine's
 * socket (fleet/machine-commands.ts), like a stop's `run.cancel`.
 *
 * A conversation whose run ended (closed, the cost cap, a daemon restart) is reopened by the next
 * message: a new run on the same branch, resuming the CLI's session.
 */
import { and, asc, desc, eq, inArray, isNotNull, like, lte, sql } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  chatCreateInput,
  chatListInput,
  chatSendInput,
  conflict,
  DEFAULT_CHAT_COST_CAP_USD,
  DEFAULT_PROJECT_AI_SCOPES,
  notFound,
  badRequest,
  parseRunScope,
  projectAiSettingsInput,
  type ControlFrame,
} from '@openase/shared';
import type { z } from 'zod';
import { agents, chatConversations, chatMessages, machines, projects, runs } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { allowedInput, inProject } from '../auth/project-write.js';
import { recordActivity } from '../activity/activity.js';
import { requireExec, requireRole } from '../auth/permissions.js';
import { resolveAgent, type Agent } from '../agents/agents.js';
import { type Project } from '../projects/projects.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { cancelCommand, stopRunInTx } from '../runs/stop.js';
import type { ActivityAction } from '../kernel/domain-events.js';
import { insertQueuedRun, nextFrame, recordDispatched, type Run } from '../runs/runs.js';
import { buildChatJob, chatBranch, placeChatRun, projectAiScopes, type Conversation } from './chat-job.js';
import { renderMessage } from './attachments.js';

export type ChatMessage = typeof chatMessages.$inferSelect;

const ACTIVE = new Set<string>(ACTIVE_RUN_STATES);

/** A conversation by id or unique id prefix. */
export async function resolveConversation(
  db: DbOrTx,
  orgId: string,
  ref: string,
  forUpdate = false,
): Promise<Conversation> {
  const exact = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(ref);
  const q = db
    .select()
    .from(chatConversations)
    .where(
      and(
        eq(chatConversations.orgId, orgId),
        exact ? eq(chatConversations.id, ref) : like(sql`${chatConversations.id}::text`, `${ref}%`),
      ),
    )
    .limit(2);
  const rows = forUpdate ? await q.for('update') : await q;
  if (rows.length === 0)
    throw notFound(`conversation ${ref} does not exist; list them with \`openase chat list --project P\``);
  if (rows.length > 1) throw badRequest(`conversation id prefix ${ref} is ambiguous; give more characters`);
  return rows[0]!;
}

/** The total cost of a conversation: the sum of its runs. */
export async function conversationCost(db: DbOrTx, conversationId: string): Promise<number> {
  const [row] = await db
    .select({ usd: sql<string>`coalesce(sum(${runs.costUsd}), 0)` })
    .from(runs)
    .where(eq(runs.conversationId, conversationId));
  return Number(row?.usd ?? 0);
}

async function currentRun(tx: DbOrTx, conversation: Conversation): Promise<Run | null> {
  if (!conversation.currentRunId) return null;
  const [run] = await tx.select().from(runs).where(eq(runs.id, conversation.currentRunId));
  return run && ACTIVE.has(run.state) ? run : null;
}

/** What happened in a conversation: `deliver` is a frame for the run's machine, `extra` more of `after`. */
export interface ChatEvent {
  action: Extract<ActivityAction, `chat.${string}`>;
  summary: string;
  deliver?: { machineId: string; frame: ControlFrame };
  extra?: Record<string, unknown>;
}

/** An activity entry, and a frame for the run's machine sent once the transaction has committed. */
export async function recordChat(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  c: Conversation,
  { action, summary, deliver, extra = {} }: ChatEvent,
) {
  await recordActivity(tx, deps, changes, actor, {
    projectId: c.projectId,
    action,
    entityType: 'conversation',
    entityId: c.id,
    summary,
    after: { ...extra, ...(deliver ? { machineId: deliver.machineId } : {}) },
  });
  if (deliver) changes.commands.push(deliver);
}

async function nextSeq(tx: Tx, conversationId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`coalesce(max(${chatMessages.seq}), 0)::int` })
    .from(chatMessages)
    .where(eq(chatMessages.conversationId, conversationId));
  return (row?.n ?? 0) + 1;
}

async function insertMessage(
  tx: Tx,
  deps: Deps,
  actor: Actor,
  c: Conversation,
  project: Project,
  text: string,
  attachments: z.infer<typeof chatSendInput>['attachments'],
  placement: { runId: string | null; turn: number | null },
): Promise<ChatMessage> {
  const input = await renderMessage(
    tx,
    { orgId: c.orgId, projectId: project.id, projectSlug: project.slug },
    text,
    attachments,
  );
  const row = await insertNew(tx, deps, chatMessages, {
    conversationId: c.id,
    seq: await nextSeq(tx, c.id),
    runId: placement.runId,
    turn: placement.turn,
    text,
    attachments,
    input,
    authorId: actor.userId ?? actor.id,
    authorName: actor.name,
    createdAt: deps.clock.now(),
  });
  return row;
}

/**
 * Starts a run for the conversation with `prompt` as its first turn (resuming the CLI session when
 * there is one). `waits` says why it will not start at once (every fitting machine is full).
 */
async function startRun(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  c: Conversation,
  project: Project,
  agent: Agent,
  prompt: string,
): Promise<{ run: Run; waits: string | null }> {
  const placed = await placeChatRun(tx, c.orgId, agent, c.machineId);
  if (!placed.machine)
    throw conflict(
      `cannot start the conversation's agent: ${placed.why}; join a machine with it (openase machine join-token) or check the agent's machine labels`,
    );
  const spec = await buildChatJob(tx, { project, conversation: c, agent, prompt, resumeSessionId: c.sessionId });
  const now = deps.clock.now();
  const runId = deps.ids.uuid();
  const waits = placed.waits
    ? `waits for a free slot on ${placed.machine.name} (${placed.waits.busy} run(s) in ${placed.waits.slots} slot(s))`
    : null;
  const reason = `Project AI conversation ${c.id.slice(0, 8)} on ${placed.machine.name} (agent ${agent.name}${c.sessionId ? ', resuming its session' : ''})${waits ? `; ${waits}` : ''}`;
  const run = await insertQueuedRun(tx, now, {
    id: runId,
    orgId: c.orgId,
    projectId: project.id,
    agentId: agent.id,
    machineId: placed.machine.id,
    conversationId: c.id,
    kind: 'agent',
    spec,
    stateReason: reason,
    createdBy: actor.name,
  });
  await tx
    .update(chatConversations)
    .set({ currentRunId: runId, machineId: placed.machine.id, waitingTurn: null, state: 'open', updatedAt: now })
    .where(eq(chatConversations.id, c.id));
  // `run.dispatched` makes the replica holding the machine's socket offer the run.
  await recordDispatched(
    tx,
    deps,
    changes,
    actor,
    { projectId: project.id, id: runId, reason, machine: placed.machine },
    { agent: agent.name, conversation: c.id },
  );
  return { run, waits };
}

async function defaultAgent(db: DbOrTx, projectId: string, name: string | undefined): Promise<Agent> {
  if (name) return resolveAgent(db, projectId, name);
  const [agent] = await db
    .select()
    .from(agents)
    .where(eq(agents.projectId, projectId))
    .orderBy(asc(agents.name))
    .limit(1);
  if (!agent) throw conflict('the project has no agent to talk to; create one with `openase agent create`');
  return agent;
}

export async function createConversation(deps: Deps, actor: Actor, raw: z.input<typeof chatCreateInput>) {
  const input = chatCreateInput.parse(raw);
  requireRole(actor, 'member', 'start Project AI conversations');
  return inProject(deps, actor, input.project, async (tx, changes, project) => {
    const agent = await defaultAgent(tx, project.id, input.agent);
    const id = deps.ids.uuid();
    const now = deps.clock.now();
    const title = input.title ?? input.message.split('\n')[0]!.slice(0, 80);
    const [c] = await tx
      .insert(chatConversations)
      .values({
        id,
        orgId: actor.orgId,
        projectId: project.id,
        agentId: agent.id,
        title,
        state: 'open',
        branch: chatBranch(id),
        createdById: actor.userId ?? actor.id,
        createdByName: actor.name,
        costCapUsd: input.costCapUsd ?? project.chatCostCapUsd ?? DEFAULT_CHAT_COST_CAP_USD,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const message = await insertMessage(tx, deps, actor, c!, project, input.message, input.attachments, {
      runId: null,
      turn: 1,
    });
    const { run, waits } = await startRun(tx, deps, changes, actor, c!, project, agent, message.input);
    await tx.update(chatMessages).set({ runId: run.id }).where(eq(chatMessages.id, message.id));
    await recordChat(tx, deps, changes, actor, c!, {
      action: 'chat.started',
      summary: `${actor.name} started Project AI conversation ${id.slice(0, 8)} with ${agent.name}: ${title}`,
      extra: { agent: agent.name, branch: c!.branch },
    });
    return {
      conversation: { ...c!, currentRunId: run.id },
      run: { id: run.id, state: run.state, waits },
      message: { ...message, runId: run.id },
    };
  });
}

/**
 * A message: delivered at once when the run waits after a turn, queued while the agent works
 * (delivered after its turn), or the first turn of a new run when none is active (reopen).
 */
export async function sendMessage(deps: Deps, actor: Actor, raw: z.input<typeof chatSendInput>) {
  const input = allowedInput(actor, 'member', 'talk to Project AI', chatSendInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveConversation(tx, actor.orgId, input.conversation, true);
    const [project] = await tx.select().from(projects).where(eq(projects.id, c.projectId));
    const cost = await conversationCost(tx, c.id);
    if (cost >= c.costCapUsd)
      throw conflict(
        `conversation ${c.id.slice(0, 8)} has spent its cost cap ($${cost.toFixed(4)} of $${c.costCapUsd.toFixed(2)}); raise it with \`openase chat cap ${c.id.slice(0, 8)} --usd N\``,
      );
    const run = await currentRun(tx, c);
    // Closed (by hand or for idleness) while its run still ends: the message would wait for a turn
    // that never comes. Refused; once the run has ended the same message reopens the conversation.
    if (run && c.state === 'closed')
      throw conflict(
        `conversation ${c.id.slice(0, 8)} was just closed and its agent run is still ending; send your message again in a moment to reopen it`,
      );
    const summary = `${actor.name} in conversation ${c.id.slice(0, 8)}: ${input.message.split('\n')[0]!.slice(0, 120)}`;
    if (!run) {
      const [agent] = await tx.select().from(agents).where(eq(agents.id, c.agentId));
      if (!agent) throw conflict("the conversation's agent was deleted; start a new conversation");
      const message = await insertMessage(tx, deps, actor, c, project!, input.message, input.attachments, {
        runId: null,
        turn: 1,
      });
      const { run: started, waits } = await startRun(tx, deps, changes, actor, c, project!, agent, message.input);
      await tx.update(chatMessages).set({ runId: started.id }).where(eq(chatMessages.id, message.id));
      await recordChat(tx, deps, changes, actor, c, {
        action: 'chat.message',
        summary,
        extra: {
          run: started.id,
          reopened: c.state === 'closed' || c.currentRunId !== null,
        },
      });
      return {
        message: { ...message, runId: started.id },
        run: { id: started.id, state: started.state, waits },
        delivered: true,
      };
    }
    if (c.waitingTurn === null) {
      const message = await insertMessage(tx, deps, actor, c, project!, input.message, input.attachments, {
        runId: null,
        turn: null,
      });
      await recordChat(tx, deps, changes, actor, c, {
        action: 'chat.message',
        summary: `${summary} (queued until the agent's turn ends)`,
        extra: { run: run.id },
      });
      return { message, run: { id: run.id, state: run.state, waits: null }, delivered: false };
    }
    const turn = c.waitingTurn + 1;
    const message = await insertMessage(tx, deps, actor, c, project!, input.message, input.attachments, {
      runId: run.id,
      turn,
    });
    await tx
      .update(chatConversations)
      .set({ waitingTurn: null, updatedAt: deps.clock.now() })
      .where(eq(chatConversations.id, c.id));
    const frame = nextFrame(run, c.waitingTurn, 'continue', { input: message.input });
    await recordChat(tx, deps, changes, actor, c, {
      action: 'chat.message',
      summary,
      deliver: { machineId: run.machineId!, frame },
      extra: { run: run.id, turn },
    });
    return { message, run: { id: run.id, state: run.state, waits: null }, delivered: true };
  });
}

/** Stops the agent's current turn; the conversation stays open and waits for the next message. */
export async function interruptConversation(deps: Deps, actor: Actor, ref: string) {
  requireRole(actor, 'member', 'interrupt Project AI');
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveConversation(tx, actor.orgId, ref, true);
    const run = await currentRun(tx, c);
    if (!run || run.state === 'queued')
      throw conflict(`conversation ${c.id.slice(0, 8)} has no agent turn in progress`);
    if (c.waitingTurn !== null)
      throw conflict(`conversation ${c.id.slice(0, 8)} is waiting for your message; nothing to interrupt`);
    await recordChat(tx, deps, changes, actor, c, {
      action: 'chat.interrupted',
      summary: `${actor.name} interrupted the agent in conversation ${c.id.slice(0, 8)}`,
      deliver: {
        machineId: run.machineId!,
        frame: { type: 'run.interrupt', runId: run.id, leaseEpoch: run.leaseEpoch },
      },
      extra: { run: run.id },
    });
    return { interrupted: true, run: run.id };
  });
}

/**
 * Ends the conversation's run (a waiting run is told to stop; a working one is canceled). It can be reopened with a
 * message.
 */
export async function closeConversation(deps: Deps, actor: Actor, ref: string) {
  requireRole(actor, 'member', 'close Project AI conversations');
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveConversation(tx, actor.orgId, ref, true);
    await closeInTx(
      tx,
      deps,
      changes,
      actor,
      c,
      `${actor.name} closed Project AI conversation ${c.id.slice(0, 8)}`,
      'the conversation was closed',
    );
    return { closed: true };
  });
}

async function closeInTx(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  c: Conversation,
  summary: string,
  reason: string,
): Promise<void> {
  const run = await currentRun(tx, c);
  await tx
    .update(chatConversations)
    .set({ state: 'closed', waitingTurn: null, updatedAt: deps.clock.now() })
    .where(eq(chatConversations.id, c.id));
  if (run && c.waitingTurn !== null) {
    const frame = nextFrame(run, c.waitingTurn, 'stop', { outcome: 'succeeded', reason });
    await recordChat(tx, deps, changes, actor, c, {
      action: 'chat.closed',
      summary,
      deliver: { machineId: run.machineId!, frame },
      extra: { run: run.id },
    });
  } else if (run) {
    const stopped = await stopRunInTx(tx, deps, run.id, 'canceled', reason);
    await recordChat(tx, deps, changes, actor, c, { action: 'chat.closed', summary, extra: { run: run.id } });
    if (stopped) {
      await recordActivity(tx, deps, changes, actor, {
        projectId: c.projectId,
        action: 'run.stop_requested',
        entityType: 'run',
        entityId: run.id,
        summary: `stopping run ${run.id.slice(0, 8)}: ${reason}`,
        after: { as: 'canceled', machineId: stopped.machineId, leaseEpoch: stopped.leaseEpoch, state: stopped.state },
      });
      const cancel = cancelCommand(stopped);
      if (cancel) changes.commands.push(cancel);
    }
  } else await recordChat(tx, deps, changes, actor, c, { action: 'chat.closed', summary });
}

/** "15 s", "60 min": the idle time as people read it. */
export function describeIdleTime(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/**
 * Closes conversations that have waited for a message for `idleMs` or longer, so a forgotten
 * conversation does not hold a machine slot for ever. A message reopens one (a new run resuming
 * the CLI's session). Each is re-checked under its row lock: a message that arrived meanwhile wins.
 * Returns the ids closed.
 */
export async function closeIdleConversations(
  deps: Deps,
  idleMs: number,
  actorFor: (orgId: string) => Actor,
): Promise<string[]> {
  const cutoff = new Date(deps.clock.now().getTime() - idleMs);
  const idle = await deps.db
    .select({ id: chatConversations.id, orgId: chatConversations.orgId })
    .from(chatConversations)
    .where(
      and(
        eq(chatConversations.state, 'open'),
        isNotNull(chatConversations.waitingTurn),
        lte(chatConversations.updatedAt, cutoff),
      ),
    );
  const closed: string[] = [];
  const idleFor = describeIdleTime(idleMs);
  for (const { id, orgId } of idle) {
    await inTransaction(deps, async (tx, changes) => {
      const c = await resolveConversation(tx, orgId, id, true);
      if (c.state !== 'open' || c.waitingTurn === null || c.updatedAt > cutoff) return;
      const reason = `no message for ${idleFor}`;
      await closeInTx(
        tx,
        deps,
        changes,
        actorFor(orgId),
        c,
        `Project AI conversation ${c.id.slice(0, 8)} closed after ${idleFor} without a message (its machine slot is free again; a message reopens it)`,
        reason,
      );
      closed.push(id);
    });
  }
  return closed;
}

async function describe(db: DbOrTx, c: Conversation) {
  const [agent] = await db
    .select({ name: agents.name, adapter: agents.adapter })
    .from(agents)
    .where(eq(agents.id, c.agentId));
  const run = c.currentRunId
    ? ((
        await db
          .select({ id: runs.id, state: runs.state, stateReason: runs.stateReason, machineId: runs.machineId })
          .from(runs)
          .where(eq(runs.id, c.currentRunId))
      )[0] ?? null)
    : null;
  const waitsForSlot = run?.state === 'queued' && run.machineId ? await slotWait(db, run.machineId) : null;
  const costUsd = await conversationCost(db, c.id);
  /** What the conversation is doing now, for a status line. */
  const activity =
    !run || !ACTIVE.has(run.state)
      ? 'idle'
      : run.state === 'queued' || run.state === 'offered' || run.state === 'preparing'
        ? 'starting'
        : c.waitingTurn !== null
          ? 'waiting'
          : 'working';
  return { ...c, agent: agent ?? null, run, costUsd, activity, waitsForSlot };
}

/** A queued run's machine when all its slots are taken by started runs (null: it is about to be offered). */
async function slotWait(
  db: DbOrTx,
  machineId: string,
): Promise<{ machine: string; busy: number; slots: number } | null> {
  const [machine] = await db
    .select({ name: machines.name, slots: machines.slots })
    .from(machines)
    .where(eq(machines.id, machineId));
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(runs)
    .where(and(eq(runs.machineId, machineId), inArray(runs.state, ['offered', 'preparing', 'running'])));
  const busy = row?.n ?? 0;
  return machine && busy >= machine.slots ? { machine: machine.name, busy, slots: machine.slots } : null;
}

export async function listConversations(db: DbOrTx, orgId: string, raw: z.input<typeof chatListInput>) {
  const input = chatListInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const rows = await db
    .select()
    .from(chatConversations)
    .where(
      and(
        eq(chatConversations.projectId, project.id),
        ...(input.includeClosed ? [] : [eq(chatConversations.state, 'open')]),
      ),
    )
    .orderBy(desc(chatConversations.createdAt))
    .limit(200);
  return Promise.all(rows.map((c) => describe(db, c)));
}

/** The conversation with its messages and its runs (the replies are the runs' events). */
export async function showConversation(db: DbOrTx, orgId: string, ref: string) {
  const c = await resolveConversation(db, orgId, ref);
  const messages = await db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.conversationId, c.id))
    .orderBy(asc(chatMessages.seq));
  const runRows = await db
    .select({
      id: runs.id,
      state: runs.state,
      stateReason: runs.stateReason,
      costUsd: runs.costUsd,
      machineId: runs.machineId,
      sessionId: runs.sessionId,
      createdAt: runs.createdAt,
      finishedAt: runs.finishedAt,
    })
    .from(runs)
    .where(eq(runs.conversationId, c.id))
    .orderBy(asc(runs.createdAt));
  const [project] = await db.select().from(projects).where(eq(projects.id, c.projectId));
  return {
    ...(await describe(db, c)),
    messages,
    runs: runRows,
    scopes: projectAiScopes(project!),
    project: { id: project!.id, slug: project!.slug, name: project!.name },
  };
}

/** The project's Project-AI settings: scopes a conversation's agent gets and the default cost cap. */
export async function projectAiSettings(db: DbOrTx, orgId: string, projectRef: string) {
  const project = await resolveProject(db, orgId, projectRef);
  return {
    project: project.slug,
    scopes: projectAiScopes(project),
    costCapUsd: project.chatCostCapUsd ?? DEFAULT_CHAT_COST_CAP_USD,
    defaults: { scopes: [...DEFAULT_PROJECT_AI_SCOPES], costCapUsd: DEFAULT_CHAT_COST_CAP_USD },
  };
}

export async function updateProjectAiSettings(deps: Deps, actor: Actor, raw: z.input<typeof projectAiSettingsInput>) {
  const input = projectAiSettingsInput.parse(raw);
  requireRole(actor, 'admin', "change the project's Project-AI settings");
  if (input.scopes?.includes('workflows.hooks'))
    requireExec(actor, 'workflows.hooks', 'let Project AI change workflow hooks');
  for (const s of input.scopes ?? []) {
    const parsed = parseRunScope(s);
    if (!parsed || !('scope' in parsed))
      throw badRequest(`"${s}" is not a run-token scope; see \`openase workflow reference\` for the vocabulary`);
  }
  await inProject(deps, actor, input.project, async (tx, changes, project) => {
    const patch = {
      ...(input.scopes ? { projectAiScopes: [...new Set(input.scopes)] } : {}),
      ...(input.costCapUsd !== undefined ? { chatCostCapUsd: input.costCapUsd } : {}),
    };
    if (Object.keys(patch).length === 0) return;
    await tx.update(projects).set(patch).where(eq(projects.id, project.id));
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.ai_settings',
      entityType: 'project',
      entityId: project.id,
      summary: `${actor.name} changed the Project-AI settings of ${project.slug}`,
      before: { scopes: projectAiScopes(project), costCapUsd: project.chatCostCapUsd },
      after: patch,
    });
  });
  return projectAiSettings(deps.db, actor.orgId, input.project);
}

/** Raises (or lowers) one conversation's cost cap. */
export async function setConversationCap(deps: Deps, actor: Actor, ref: string, usd: number) {
  requireRole(actor, 'member', "change a Project AI conversation's cost cap");
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveConversation(tx, actor.orgId, ref, true);
    await tx
      .update(chatConversations)
      .set({ costCapUsd: usd, updatedAt: deps.clock.now() })
      .where(eq(chatConversations.id, c.id));
    await recordChat(tx, deps, changes, actor, c, {
      action: 'chat.cap',
      summary: `${actor.name} set the cost cap of conversation ${c.id.slice(0, 8)} to $${usd.toFixed(2)}`,
      extra: { before: c.costCapUsd, costCapUsd: usd },
    });
    return { costCapUsd: usd };
  });
}
