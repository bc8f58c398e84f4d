/**
 * The limits the platform enforces on running agent runs (the Go OpenASE stored these and never
 * enforced them): `timeout_minutes` since the run started, `stall_timeout_minutes` without any
 * event, the ticket's (and the workflow's per-ticket) `budget_usd`, and the ticket leaving its
 * workflow's statuses. Each finding stops the run with its reason (runs/stop.ts).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { runs, statuses, tickets, workflowVersions } from '../db/schema.js';
import { ticketOfRun } from '../kernel/lookups.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import { cancelCommand, stopRunInTx, type StopAs } from '../runs/stop.js';
import type { Run } from '../runs/runs.js';
import type { Harness } from '../workflows/harness/schema.js';
import { orchestratorActor } from './dispatcher.js';
import { waitingApprovals } from '../runs/waiting-approvals.js';
import { usd } from './gates.js';

export interface StopDecision {
  runId: string;
  as: StopAs;
  reason: string;
}

/** Pure: what a running agent run has overrun at `now`, if anything. */
export function overrun(
  run: Pick<Run, 'state' | 'startedAt' | 'lastEventAt' | 'createdAt'>,
  harness: Pick<Harness, 'timeout_minutes' | 'stall_timeout_minutes'>,
  now: Date,
  /** A tool call waits for a person (tools.ask): quiet is expected, so no stall (the timeout still applies). */
  waitingForPerson = false,
): { as: StopAs; reason: string } | null {
  if (run.state !== 'running' && run.state !== 'preparing') return null;
  const started = run.startedAt ?? run.createdAt;
  const ranMs = now.getTime() - started.getTime();
  if (ranMs > harness.timeout_minutes * 60_000)
    return { as: 'timed_out', reason: `ran longer than timeout_minutes (${harness.timeout_minutes})` };
  const quietMs = now.getTime() - (run.lastEventAt ?? started).getTime();
  if (!waitingForPerson && quietMs > harness.stall_timeout_minutes * 60_000)
    return { as: 'stalled', reason: `no event for more than stall_timeout_minutes (${harness.stall_timeout_minutes})` };
  return null;
}

/** Pure: whether a ticket's spending has reached its budget (ticket's own, or the workflow's per ticket). */
export function budgetExceeded(
  costUsd: number,
  ticketBudget: number | null,
  workflowBudget: number | null | undefined,
): string | null {
  for (const [budget, whose] of [
    [ticketBudget, 'the ticket'],
    [workflowBudget ?? null, "the workflow's per-ticket"],
  ] as const) {
    if (budget !== null && costUsd >= budget) return `${whose} budget of ${usd(budget)} is spent (${usd(costUsd)})`;
  }
  return null;
}

async function activeAgentRuns(deps: Pick<Deps, 'db'>, where = inArray(runs.state, ['preparing', 'running'])) {
  return deps.db
    .select({
      run: runs,
      harness: workflowVersions.harness,
      pickup: workflowVersions.pickupStatusIds,
      finish: workflowVersions.finishStatusIds,
      ticket: tickets,
    })
    .from(runs)
    .innerJoin(workflowVersions, eq(workflowVersions.id, runs.workflowVersionId))
    .innerJoin(tickets, ticketOfRun())
    .where(and(eq(runs.kind, 'agent'), where));
}

/** Timeouts and stalls of every running agent run (the leader's sweep). */
export async function findOverruns(deps: Pick<Deps, 'db' | 'clock'>): Promise<StopDecision[]> {
  const now = deps.clock.now();
  const out: StopDecision[] = [];
  const rows = await activeAgentRuns(deps);
  const waiting = new Set((await waitingApprovals(deps.db, { runIds: rows.map((r) => r.run.id) })).map((a) => a.runId));
  for (const row of rows) {
    const found = overrun(row.run, row.harness as Harness, now, waiting.has(row.run.id));
    if (found) out.push({ runId: row.run.id, ...found });
  }
  return out;
}

/** A run whose ticket's spending reached its budget (checked as usage arrives). */
export async function findBudgetStop(deps: Pick<Deps, 'db'>, runId: string): Promise<StopDecision | null> {
  const [row] = await activeAgentRuns(
    deps,
    and(eq(runs.id, runId), inArray(runs.state, ['offered', 'preparing', 'running'])),
  );
  if (!row) return null;
  const reason = budgetExceeded(row.ticket.costUsd, row.ticket.budgetUsd, (row.harness as Harness).budget_usd);
  return reason ? { runId, as: 'failed', reason: `budget: ${reason}` } : null;
}

/** Active runs of a ticket that now sits outside its run's workflow statuses. */
export async function findRunsLeftBehind(deps: Pick<Deps, 'db'>, ticketId: string): Promise<StopDecision[]> {
  const rows = await activeAgentRuns(
    deps,
    and(eq(runs.ticketId, ticketId), inArray(runs.state, ['queued', 'offered', 'preparing', 'running'])),
  );
  const out: StopDecision[] = [];
  for (const row of rows) {
    if (row.pickup.includes(row.ticket.statusId) || row.finish.includes(row.ticket.statusId)) continue;
    const [status] = await deps.db
      .select({ name: statuses.name })
      .from(statuses)
      .where(eq(statuses.id, row.ticket.statusId));
    out.push({
      runId: row.run.id,
      as: 'canceled',
      reason: `${row.ticket.identifier} was moved to ${status?.name ?? 'another status'}, outside its workflow`,
    });
  }
  return out;
}

/**
 * Applies a stop: marks the run and records why. Returns the run (to send `run.cancel` to its
 * machine) or null when it had already ended. A budget stop also parks the ticket.
 */
export async function applyStop(deps: Deps, decision: StopDecision): Promise<Run | null> {
  return inTransaction(deps, async (tx, changes) => {
    const run = await stopRunInTx(tx, deps, decision.runId, decision.as, decision.reason);
    if (!run) return null;
    if (decision.as === 'failed' && decision.reason.startsWith('budget:') && run.ticketId) {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, run.ticketId));
      // What to do next: a retry alone is held back again by the spent budget.
      const raise = decision.reason.includes('the ticket budget')
        ? `raise it (\`openase ticket update ${ticket!.identifier} --budget USD\`)`
        : "raise the workflow's budget_usd (export, edit, import its harness file)";
      const parkedReason = `${decision.reason}; ${raise}, then retry the ticket`;
      await tx.update(tickets).set({ parkedReason, updatedAt: deps.clock.now() }).where(eq(tickets.id, run.ticketId));
      await recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
        ...aboutTicket(ticket!),
        action: 'ticket.parked',
        summary: `${ticket!.identifier} parked: ${parkedReason}`,
      });
    }
    await recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
      projectId: run.projectId,
      ticketId: run.ticketId,
      action: 'run.stop_requested',
      entityType: 'run',
      entityId: run.id,
      summary: `stopping run ${run.id.slice(0, 8)}: ${decision.reason}`,
      after: { as: decision.as, machineId: run.machineId, leaseEpoch: run.leaseEpoch, state: run.state },
    });
    const cancel = cancelCommand(run);
    if (cancel) changes.commands.push(cancel);
    return run;
  });
}
