/**
 * Ending a Project AI conversation's work: interrupting the agent's turn, closing the conversation by hand, and
 * closing the ones left idle (a message reopens any of them: conversations.ts).
 */
import { and, eq, isNotNull, lte } from 'drizzle-orm';
import { conflict } from '@openase/shared';
import { chatConversations } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import { cancelCommand, stopRunInTx } from '../runs/stop.js';
import { nextFrame } from '../runs/runs.js';
import type { Conversation } from './chat-job.js';
import { currentRun, recordChat } from './conversations.js';
import { inConversationAs, resolveConversation } from './conversation-access.js';

/** Stops the agent's current turn; the conversation stays open and waits for the next message. */
export async function interruptConversation(deps: Deps, actor: Actor, ref: string) {
  return inConversationAs(deps, actor, { min: 'member', what: 'interrupt Project AI' }, ref, async (tx, changes, c) => {
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
  const need = { min: 'member', what: 'close Project AI conversations' } as const;
  return inConversationAs(deps, actor, need, ref, async (tx, changes, c) => {
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
