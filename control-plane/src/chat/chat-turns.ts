/**
 * The turn handshake of a chat run (shared/src/protocol/agent-run.ts): after each turn the daemon
 * sends `run.turn`; the answer is the person's next message. When they have not written yet, no
 * answer is sent now: the conversation records which turn waits (`waiting_turn`) and
 * conversations.ts answers when the message arrives. Like the ticket handshake, the answer is
 * computed from the database, so a `run.turn` repeated after a reconnect gets the same answer
 * (or keeps waiting).
 *
 * A failed turn (an interrupt, a CLI error) does not end the conversation: it waits for the
 * person too. The run stops when the conversation is closed, its cost cap is spent, or the run
 * was asked to stop.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { RunNextFrame, RunTurnFrame } from '@openase/shared';
import { chatConversations, chatMessages, runs } from '../db/schema.js';
import { systemActor, type Deps } from '../kernel/context.js';
import { recordActivity } from '../activity/activity.js';
import { inTransaction } from '../kernel/transaction.js';
import { RunRefusal } from '../runs/lifecycle.js';
import { lockRun, nextFrame as next } from '../runs/runs.js';
import { conversationCost } from './conversations.js';

type Fenced = { machineId: string; runId: string; leaseEpoch: number };

/** Whether a run serves a conversation (its turns are answered here). */
export async function isChatRun(deps: Pick<Deps, 'db'>, runId: string): Promise<boolean> {
  const [row] = await deps.db.select({ conversationId: runs.conversationId }).from(runs).where(eq(runs.id, runId));
  return !!row?.conversationId;
}

/** Pure: why a conversation's run must stop now, if it must. */
export function chatStopReason(c: { state: string; costCapUsd: number }, costUsd: number): string | null {
  if (c.state === 'closed') return 'the conversation was closed';
  if (costUsd >= c.costCapUsd)
    return `budget: the conversation's cost cap of $${c.costCapUsd.toFixed(2)} is spent ($${costUsd.toFixed(4)})`;
  return null;
}

/** The answer to a chat run's `run.turn`, or null to keep the daemon waiting for the person. */
export async function decideChatTurn(deps: Deps, msg: Fenced & { frame: RunTurnFrame }): Promise<RunNextFrame | null> {
  const { frame } = msg;
  return inTransaction(deps, async (tx, changes) => {
    const run = await lockRun(tx, msg.runId);
    if (!run || run.machineId !== msg.machineId || !run.conversationId)
      throw new RunRefusal('unknown_run', `run ${msg.runId} is not a chat run of this machine`);
    if (run.leaseEpoch !== msg.leaseEpoch)
      throw new RunRefusal(
        'stale_lease',
        `run ${msg.runId}: lease epoch ${msg.leaseEpoch} is stale (current ${run.leaseEpoch}); stop the run`,
      );
    const [c] = await tx
      .select()
      .from(chatConversations)
      .where(eq(chatConversations.id, run.conversationId))
      .for('update');
    const now = deps.clock.now();
    if (frame.sessionId && frame.sessionId !== run.sessionId)
      await tx.update(runs).set({ sessionId: frame.sessionId }).where(eq(runs.id, run.id));
    if (frame.sessionId)
      await tx.update(chatConversations).set({ sessionId: frame.sessionId }).where(eq(chatConversations.id, c!.id));
    if (run.cancelRequestedAt)
      return next(run, frame.turn, 'stop', {
        outcome: 'failed',
        reason: run.stateReason ?? 'the run was asked to stop',
      });
    if (c!.currentRunId !== run.id)
      return next(run, frame.turn, 'stop', {
        outcome: 'succeeded',
        reason: 'the conversation continues in another run',
      });
    const stop = chatStopReason(c!, await conversationCost(tx, c!.id));
    if (stop) {
      await tx
        .update(chatConversations)
        .set({ waitingTurn: null, updatedAt: now })
        .where(eq(chatConversations.id, c!.id));
      return next(run, frame.turn, 'stop', {
        outcome: stop.startsWith('budget:') ? 'failed' : 'succeeded',
        reason: stop,
      });
    }
    // Already answered (a repeated frame): the same message again.
    const [answered] = await tx
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.runId, run.id), eq(chatMessages.turn, frame.turn + 1)));
    if (answered) return next(run, frame.turn, 'continue', { input: answered.input });
    // Messages written while the agent worked: delivered together as the next turn.
    const queued = await tx
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.conversationId, c!.id), isNull(chatMessages.turn)))
      .orderBy(asc(chatMessages.seq));
    if (queued.length) {
      for (const m of queued)
        await tx
          .update(chatMessages)
          .set({ runId: run.id, turn: frame.turn + 1 })
          .where(eq(chatMessages.id, m.id));
      await tx
        .update(chatConversations)
        .set({ waitingTurn: null, updatedAt: now })
        .where(eq(chatConversations.id, c!.id));
      return next(run, frame.turn, 'continue', { input: queued.map((m) => m.input).join('\n\n') });
    }
    // A repeated frame (the daemon re-sends its open turn after every reconnect) must not restart
    // the idle clock (conversations.ts closeIdleConversations): only a new wait sets updatedAt.
    if (c!.waitingTurn !== frame.turn) {
      await tx
        .update(chatConversations)
        .set({ waitingTurn: frame.turn, updatedAt: now })
        .where(eq(chatConversations.id, c!.id));
      // What the person's inbox (and notification rules) hear of: Project AI waits for them.
      await recordActivity(tx, deps, changes, systemActor(run.orgId, 'Project AI'), {
        projectId: c!.projectId,
        action: 'chat.waiting',
        entityType: 'chat_conversation',
        entityId: c!.id,
        summary: `Project AI is waiting for ${c!.createdByName}'s message in "${c!.title}"`,
        after: { conversationId: c!.id, createdById: c!.createdById, turn: frame.turn },
      });
    }
    return null;
  });
}

/**
 * A running chat run whose conversation spent its cap (checked as cost events arrive): stop it like a ticket's budget
 * stop.
 */
export async function findChatCapStop(
  deps: Pick<Deps, 'db'>,
  runId: string,
): Promise<{ runId: string; as: 'failed'; reason: string } | null> {
  const [row] = await deps.db
    .select({ run: runs, c: chatConversations })
    .from(runs)
    .innerJoin(chatConversations, eq(chatConversations.id, runs.conversationId))
    .where(eq(runs.id, runId));
  if (!row || !['offered', 'preparing', 'running'].includes(row.run.state) || row.run.cancelRequestedAt) return null;
  const cost = await conversationCost(deps.db, row.c.id);
  if (cost < row.c.costCapUsd) return null;
  return { runId, as: 'failed', reason: chatStopReason({ state: 'open', costCapUsd: row.c.costCapUsd }, cost)! };
}
