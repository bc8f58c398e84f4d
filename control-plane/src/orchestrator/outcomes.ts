/**
 * What a finished agent run means for its ticket, applied once per run (`runs.settled_at`):
 * - succeeded: nothing to do (the ticket moved through its gate);
 * - the ticket left the workflow (a person moved it): nothing to do;
 * - canceled by a person while the ticket still waits in a pickup status: parked, so it is not
 *   picked up again behind their back;
 * - stopped for making no progress (turns.ts): parked with the reason, since another attempt of
 *   the same agent on the same input would most likely loop the same way;
 * - otherwise (failed, timed out, stalled, lost): retried with backoff until `max_attempts`, then
 *   parked with the reason; a provider rate limit that stated its reset waits until then
 *   without using an attempt.
 * The run's token is revoked in every case.
 */
import { and, desc, eq } from 'drizzle-orm';
import { TERMINAL_RUN_STATES } from '@openase/shared';
import { runEvents, runs, tickets, workflowVersions } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import { revokeRunTokens } from '../auth/run-tokens.js';
import { lockRun } from '../runs/runs.js';
import { RAN_TOO_LONG } from '../runs/lifecycle.js';
import type { Harness } from '../workflows/harness/schema.js';
import { orchestratorActor } from './dispatcher.js';
import { decideRetry } from './retry-policy.js';
import { NO_PROGRESS } from './turns.js';

export async function settleEndedRun(deps: Deps, runId: string): Promise<{ projectId: string | null } | null> {
  return inTransaction(deps, async (tx, changes) => {
    const run = await lockRun(tx, runId);
    if (!run || !TERMINAL_RUN_STATES.has(run.state) || run.settledAt) return null;
    const now = deps.clock.now();
    await tx.update(runs).set({ settledAt: now }).where(eq(runs.id, run.id));
    await revokeRunTokens(tx, deps, run.id);
    if (run.kind !== 'agent' || !run.ticketId || run.state === 'succeeded') return { projectId: run.projectId };
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, run.ticketId)).for('update');
    const [version] = await tx.select().from(workflowVersions).where(eq(workflowVersions.id, run.workflowVersionId!));
    // Nothing to decide when the ticket left the workflow, was archived, or is already parked (e.g. a budget stop).
    if (
      !ticket ||
      !version ||
      !version.pickupStatusIds.includes(ticket.statusId) ||
      ticket.archivedAt ||
      ticket.parkedReason
    )
      return { projectId: run.projectId };
    const harness = version.harness as Harness;
    const actor = orchestratorActor(run.orgId);
    const base = aboutTicket(ticket);
    if (run.state === 'canceled') {
      // A person's cancel ends with the daemon's bare word as the reason ("canceled (canceled)" said nothing).
      const how = !run.stateReason || run.stateReason === 'canceled' ? 'by a person' : `(${run.stateReason})`;
      const reason = `its run was canceled ${how}; retry the ticket or move it to pick it up again`;
      await tx.update(tickets).set({ parkedReason: reason, updatedAt: now }).where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...base,
        action: 'ticket.parked',
        summary: `${ticket.identifier} parked: ${reason}`,
      });
      return { projectId: run.projectId };
    }
    if (run.state === 'failed' && run.stateReason?.startsWith(NO_PROGRESS)) {
      const reason = `its agent made ${run.stateReason.replace(/: (exit code|killed by) .*$/, '')}; retry the ticket or move it to pick it up again`;
      await tx
        .update(tickets)
        .set({ parkedReason: reason, nextRetryAt: null, updatedAt: now })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...base,
        action: 'ticket.parked',
        summary: `${ticket.identifier} parked: ${reason}`,
      });
      return { projectId: run.projectId };
    }
    const decision = decideRetry({
      attempts: ticket.attemptCount,
      maxAttempts: harness.max_attempts,
      now,
      endedAs: run.state,
      rateLimitResetAt: await rateLimitReset(tx, run.id),
      started: run.startedAt !== null,
      // The daemon's own deadline usually ends a run first (its reason RAN_TOO_LONG): say which limit.
      why:
        run.state === 'timed_out' && run.stateReason === RAN_TOO_LONG
          ? `ran longer than timeout_minutes (${harness.timeout_minutes})`
          : run.stateReason,
    });
    if (decision.action === 'park') {
      await tx
        .update(tickets)
        .set({ parkedReason: decision.reason, nextRetryAt: null, updatedAt: now })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...base,
        action: 'ticket.parked',
        summary: `${ticket.identifier} parked: ${decision.reason}`,
      });
    } else {
      // A rate-limit wait, or a run that never started, gives the attempt back.
      const refund =
        decision.action === 'wait_for_reset' || (decision.action === 'retry' && decision.attemptUsed === false);
      const attemptCount = refund ? Math.max(0, ticket.attemptCount - 1) : ticket.attemptCount;
      await tx
        .update(tickets)
        .set({ nextRetryAt: decision.at, attemptCount, updatedAt: now })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...base,
        action: 'ticket.retry_scheduled',
        summary: `${ticket.identifier}: ${decision.reason}`,
        after: { nextRetryAt: decision.at },
      });
    }
    return { projectId: run.projectId };
  });
}

/** The reset time of the run's last stated provider rate limit, if any. */
async function rateLimitReset(tx: Tx, runId: string): Promise<Date | null> {
  const [row] = await tx
    .select({ payload: runEvents.payload })
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), eq(runEvents.type, 'rate_limit')))
    .orderBy(desc(runEvents.seq))
    .limit(1);
  const resetAt = (row?.payload as { resetAt?: string } | undefined)?.resetAt;
  return resetAt ? new Date(resetAt) : null;
}
