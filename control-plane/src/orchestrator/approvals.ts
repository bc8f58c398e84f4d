/**
 * Tool calls waiting for a person (harness `tools.ask`, docs/harness.md): the daemon's `run.approval` is recorded (once
 * per request id) with its deadline `approval_timeout_minutes`; a member approves or declines it (`runs.approve` /
 * `runs.decline`, `openase run approve|decline`), or the leader's sweep declines it when the deadline passes. Each
 * decision is in the activity log and goes to the daemon as `run.decision`; a repeated `run.approval` after a
 * reconnect is answered from the stored decision.
 */
import { and, asc, eq, lte } from 'drizzle-orm';
import {
  badRequest,
  conflict,
  notFound,
  type RunApprovalFrame,
  type RunDecisionFrame,
  type runDecideInput,
} from '@openase/shared';
import type * as z from 'zod';
import { runApprovals, runs, tickets, workflowVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import { getRunForMember, lockRun, type Run } from '../runs/runs.js';
import type { Harness } from '../workflows/harness/schema.js';
import { HARNESS_DEFAULTS } from '../workflows/harness/schema.js';
import { orchestratorActor } from './dispatcher.js';
import { fencedAgentRun } from './turns.js';

export type Approval = typeof runApprovals.$inferSelect;
/** A decision and where to send it (the machine holding the run). */
export interface Decided {
  approval: Approval;
  machineId: string | null;
  frame: RunDecisionFrame;
}

const TIMEOUT_BY = 'approval timeout';

function decisionFrame(run: Pick<Run, 'id' | 'leaseEpoch'>, approval: Approval): RunDecisionFrame {
  return {
    type: 'run.decision',
    runId: run.id,
    leaseEpoch: run.leaseEpoch,
    approvalId: approval.requestId,
    approve: approval.state === 'approved',
    by: approval.decidedBy ?? 'OpenASE',
    ...(approval.reason ? { reason: approval.reason } : {}),
  };
}

async function timeoutMinutes(tx: Tx, run: Run): Promise<number> {
  if (!run.workflowVersionId) return HARNESS_DEFAULTS.approval_timeout_minutes;
  const [version] = await tx
    .select({ harness: workflowVersions.harness })
    .from(workflowVersions)
    .where(eq(workflowVersions.id, run.workflowVersionId));
  return (
    (version?.harness as Harness | undefined)?.approval_timeout_minutes ?? HARNESS_DEFAULTS.approval_timeout_minutes
  );
}

async function ticketName(tx: DbOrTx, ticketId: string | null): Promise<string> {
  if (!ticketId) return 'Project AI';
  const [t] = await tx.select({ identifier: tickets.identifier }).from(tickets).where(eq(tickets.id, ticketId));
  return t?.identifier ?? 'the ticket';
}

/** The daemon asks: record the call (once) and answer at once if it was already decided (a resent frame). */
export async function recordApprovalRequest(
  deps: Deps,
  machineId: string,
  frame: RunApprovalFrame,
): Promise<RunDecisionFrame | null> {
  return inTransaction(deps, async (tx, changes) => {
    const run = await fencedAgentRun(tx, { machineId, runId: frame.runId, leaseEpoch: frame.leaseEpoch });
    const [known] = await tx
      .select()
      .from(runApprovals)
      .where(and(eq(runApprovals.runId, run.id), eq(runApprovals.requestId, frame.approvalId)));
    if (known) return known.state === 'waiting' ? null : decisionFrame(run, known);
    const now = deps.clock.now();
    const minutes = await timeoutMinutes(tx, run);
    const approval = await insertNew(tx, deps, runApprovals, {
      orgId: run.orgId,
      projectId: run.projectId,
      ticketId: run.ticketId,
      runId: run.id,
      requestId: frame.approvalId,
      tool: frame.tool,
      detail: frame.detail,
      rule: frame.rule,
      state: 'waiting',
      createdAt: now,
      expiresAt: new Date(now.getTime() + minutes * 60_000),
    });
    await recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
      projectId: run.projectId,
      ticketId: run.ticketId,
      action: 'run.approval_requested',
      entityType: 'run',
      entityId: run.id,
      summary: `${await ticketName(tx, run.ticketId)} needs approval: ${frame.tool} ${frame.detail.slice(0, 300)} (tools.ask "${frame.rule}")`,
      after: { approval: approval.id, tool: frame.tool, detail: frame.detail, rule: frame.rule },
    });
    return null;
  });
}

/** Settles one waiting approval (the caller holds the run's row lock). */
async function settle(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  run: Run,
  approval: Approval,
  decision: { approve: boolean; by: string; reason?: string | undefined },
): Promise<Decided> {
  const now = deps.clock.now();
  const [updated] = await tx
    .update(runApprovals)
    .set({
      state: decision.approve ? 'approved' : 'declined',
      decidedBy: decision.by,
      reason: decision.reason ?? null,
      decidedAt: now,
    })
    .where(eq(runApprovals.id, approval.id))
    .returning();
  // The wait was not a stall: the stall clock restarts from the decision.
  await tx.update(runs).set({ lastEventAt: now }).where(eq(runs.id, run.id));
  const verb = decision.approve ? 'approved' : 'declined';
  await recordActivity(tx, deps, changes, actor, {
    projectId: run.projectId,
    ticketId: run.ticketId,
    action: `run.${verb}`,
    entityType: 'run',
    entityId: run.id,
    summary: `${decision.by} ${verb} ${approval.tool} ${approval.detail.slice(0, 300)} on ${await ticketName(tx, run.ticketId)}${decision.reason ? `: ${decision.reason}` : ''}`,
    after: { approval: approval.id, reason: decision.reason ?? null },
  });
  return { approval: updated!, machineId: run.machineId, frame: decisionFrame(run, updated!) };
}

/** A person approves or declines a waiting call of a run (member role in the run's project). */
export async function decideApproval(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof runDecideInput>,
  approve: boolean,
): Promise<Decided> {
  const found = await getRunForMember(
    deps,
    actor,
    input.run,
    `${approve ? 'approve' : 'decline'} an agent's tool calls`,
  );
  return inTransaction(deps, async (tx, changes) => {
    const run = (await lockRun(tx, found.id))!;
    const waiting = await tx
      .select()
      .from(runApprovals)
      .where(and(eq(runApprovals.runId, run.id), eq(runApprovals.state, 'waiting')))
      .orderBy(asc(runApprovals.createdAt));
    let approval = input.approval ? waiting.find((a) => a.id === input.approval) : waiting[0];
    if (input.approval && !approval) {
      const [other] = await tx.select().from(runApprovals).where(eq(runApprovals.id, input.approval));
      if (!other || other.runId !== run.id) throw notFound(`run ${run.id} has no approval ${input.approval}`);
      throw conflict(`that call was already ${other.state} by ${other.decidedBy ?? 'someone'}`);
    }
    if (!approval) throw conflict(`run ${run.id.slice(0, 8)} has no tool call waiting for approval`);
    if (!input.approval && waiting.length > 1)
      throw badRequest(
        `run ${run.id.slice(0, 8)} has ${waiting.length} calls waiting; name one with --approval: ${waiting.map((a) => `${a.id} (${a.tool} ${a.detail.slice(0, 60)})`).join(', ')}`,
      );
    approval ??= waiting[0]!;
    return settle(tx, deps, changes, actor, run, approval, {
      approve,
      by: actor.name,
      ...(input.reason ? { reason: input.reason } : {}),
    });
  });
}

/** The leader's sweep: calls nobody decided in time are declined, with a reason the agent sees. */
export async function expireApprovals(deps: Deps): Promise<Decided[]> {
  const due = await deps.db
    .select({ id: runApprovals.id, runId: runApprovals.runId })
    .from(runApprovals)
    .where(and(eq(runApprovals.state, 'waiting'), lte(runApprovals.expiresAt, deps.clock.now())));
  const out: Decided[] = [];
  for (const { id, runId } of due) {
    const decided = await inTransaction(deps, async (tx, changes) => {
      const run = (await lockRun(tx, runId))!;
      const [approval] = await tx.select().from(runApprovals).where(eq(runApprovals.id, id));
      if (!approval || approval.state !== 'waiting') return null;
      const minutes = await timeoutMinutes(tx, run);
      return settle(tx, deps, changes, orchestratorActor(run.orgId), run, approval, {
        approve: false,
        by: TIMEOUT_BY,
        reason: `nobody approved it within approval_timeout_minutes (${minutes})`,
      });
    });
    if (decided) out.push(decided);
  }
  return out;
}
