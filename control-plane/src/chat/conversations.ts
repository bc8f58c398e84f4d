/**
 * Project AI conversations (docs/project-ai.md). A conversation is served by an agent run in chat
 * mode (chat-job.ts): the person's first message is the run's first turn; after every turn the
 * daemon asks what next (`run.turn`) and the answer (`run.next continue` with the next message)
 * is held until the person writes again (chat-turns.ts). Frames for the machine are commands of
 * the transaction (`changes.commands`): sent after commit by whichever replica holds the machine's
 * socket (fleet/machine-commands.ts), like a stop's `run.cancel`.
 *
 * A conversation whose run ended (closed, the cost cap, a daemon restart) is reopened by the next
 * message: a new run on the same branch, resuming the CLI's session. Closing: closing.ts; views: conversation-views.ts.
 */
import { asc, eq, sql } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  chatCreateInput,
  chatSendInput,
  conflict,
  OpenaseError,
  DEFAULT_CHAT_COST_CAP_USD,
  DEFAULT_PROJECT_AI_SCOPES,
  badRequest,
  parseRunScope,
  projectAiSettingsInput,
  type ChatNoMachine,
  type ControlFrame,
} from '@openase/shared';
import type { z } from 'zod';
import { agents, chatConversations, chatMessages, projects, runs } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import type { Changes } from '../kernel/transaction.js';
import { inProjectAs, memberInput, projectInput, type ProjectNeed } from '../auth/project-write.js';
import { recordActivity } from '../activity/activity.js';
import { requireExec } from '../auth/permissions.js';
import { inConversationAs, onConversation } from './conversation-access.js';
import { resolveAgent, type Agent } from '../agents/agents.js';
import { type Project } from '../projects/projects.js';
import { resolveProject } from '../kernel/resolve-project.js';
import type { ActivityAction } from '../kernel/domain-events.js';
import { insertQueuedRun, nextFrame, recordDispatched, type Run } from '../runs/runs.js';
import { buildChatJob, chatBranch, placeChatRun, projectAiScopes, type Conversation } from './chat-job.js';
import { renderMessage } from './attachments.js';

export type ChatMessage = typeof chatMessages.$inferSelect;

const ACTIVE = new Set<string>(ACTIVE_RUN_STATES);
export const isActiveRunState = (state: string) => ACTIVE.has(state);

/** The total cost of a conversation: the sum of its runs. */
export async function conversationCost(db: DbOrTx, conversationId: string): Promise<number> {
  const [row] = await db
    .select({ usd: sql<string>`coalesce(sum(${runs.costUsd}), 0)` })
    .from(runs)
    .where(eq(runs.conversationId, conversationId));
  return Number(row?.usd ?? 0);
}

/** The conversation's run while it is active. */
export async function currentRun(tx: DbOrTx, conversation: Conversation): Promise<Run | null> {
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
  if (!placed.machine) {
    // `noMachine` lets the console say it in its own words (the product the agent runs, a link to the machines).
    const noMachine: ChatNoMachine = {
      agent: agent.name,
      adapter: agent.adapter,
      command: agent.command,
      labels: agent.machineLabels,
    };
    throw new OpenaseError(
      'CONFLICT',
      `cannot start the conversation's agent: ${placed.why}; install it on a machine or join one that has it (\`openase machine join-token create\`), or check the agent's machine labels`,
      { noMachine },
    );
  }
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
  const input = await memberInput(deps, actor, 'start Project AI conversations', chatCreateInput, raw);
  const need = { min: 'member', what: 'start Project AI conversations' } as const;
  return inProjectAs(deps, actor, need, input.project, async (tx, changes, project) => {
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
  const input = await memberInput(deps, actor, 'talk to Project AI', chatSendInput, raw);
  return onConversation(deps, actor, TALK, input.conversation, async (tx, changes, c) => {
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

/** A project admin's (or an organization admin's). */
const AI_SETTINGS: ProjectNeed = { min: 'admin', what: "change the project's Project-AI settings" };
const TALK: ProjectNeed = { min: 'member', what: 'talk to Project AI' };

export async function updateProjectAiSettings(deps: Deps, actor: Actor, raw: z.input<typeof projectAiSettingsInput>) {
  const input = await projectInput(deps, actor, AI_SETTINGS, projectAiSettingsInput, raw);
  if (input.scopes?.includes('workflows.hooks'))
    requireExec(actor, 'workflows.hooks', 'let Project AI change workflow hooks');
  for (const s of input.scopes ?? []) {
    const parsed = parseRunScope(s);
    if (!parsed || !('scope' in parsed))
      throw badRequest(`"${s}" is not a run-token scope; see \`openase workflow reference\` for the vocabulary`);
  }
  await inProjectAs(deps, actor, AI_SETTINGS, input.project, async (tx, changes, project) => {
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
  const need = { min: 'member', what: "change a Project AI conversation's cost cap" } as const;
  return inConversationAs(deps, actor, need, ref, async (tx, changes, c) => {
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
