/** What people see of Project AI conversations: the list of a project's, and one with its messages and runs. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { chatListInput } from '@openase/shared';
import type { z } from 'zod';
import { agents, chatConversations, chatMessages, machines, projects, runs } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { projectAiScopes, type Conversation } from './chat-job.js';
import { conversationCost, isActiveRunState } from './conversations.js';
import { resolveConversation } from './conversation-access.js';

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
    !run || !isActiveRunState(run.state)
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
