/**
 * Reads what the pickup gates need for one ticket: its workflows (current versions), agents,
 * blockers, active runs per gate, and the org's machines. `whyTicket` = load + diagnosePickup.
 */
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, type AgentAdapter } from '@openase/shared';
import { agents, machines, projects, runs, statuses, ticketDependencies, tickets, workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Clock } from '../kernel/context.js';
import { resolveTicket } from '../tickets/tickets.js';
import type { Harness } from '../workflows/harness/schema.js';
import { diagnosePickup, type AgentFacts, type PickupDiagnosis, type PickupFacts } from './gates.js';

const activeState = inArray(runs.state, [...ACTIVE_RUN_STATES]);

async function countActive(db: DbOrTx, condition: ReturnType<typeof eq>): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(runs).where(and(activeState, condition));
  return row?.n ?? 0;
}

export async function loadPickupFacts(db: DbOrTx, clock: Clock, orgId: string, ticketRef: string): Promise<PickupFacts> {
  const ticket = await resolveTicket(db, orgId, ticketRef);
  const [project] = await db.select().from(projects).where(eq(projects.id, ticket.projectId));
  const [status] = await db.select().from(statuses).where(eq(statuses.id, ticket.statusId));

  const agentRows = await db.select().from(agents).where(eq(agents.projectId, ticket.projectId));
  const agentFacts = new Map<string, AgentFacts>();
  for (const a of agentRows) {
    agentFacts.set(a.id, { name: a.name, adapter: a.adapter as AgentAdapter, command: a.command, maxParallelRuns: a.maxParallelRuns, machineLabels: a.machineLabels, activeRuns: await countActive(db, eq(runs.agentId, a.id)) });
  }
  const workflowRows = await db
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(eq(workflows.projectId, ticket.projectId));
  const workflowFacts = [];
  for (const { workflow, version } of workflowRows) {
    const harness = version.harness as Harness;
    workflowFacts.push({
      id: workflow.id,
      name: workflow.name,
      active: workflow.active,
      pickupStatusIds: version.pickupStatusIds,
      maxConcurrent: harness.max_concurrent ?? null,
      budgetUsd: harness.budget_usd ?? null,
      machineLabels: harness.machine_labels ?? [],
      activeRuns: await countActive(db, eq(runs.workflowId, workflow.id)),
      agent: version.agentId ? (agentFacts.get(version.agentId) ?? null) : null,
    });
  }

  const blockers = await db
    .select({ identifier: tickets.identifier, statusName: statuses.name, stage: statuses.stage })
    .from(ticketDependencies)
    .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockerId))
    .innerJoin(statuses, eq(statuses.id, tickets.statusId))
    .where(and(eq(ticketDependencies.blockedId, ticket.id), ne(statuses.stage, 'completed')));
  const [activeRun] = await db.select({ id: runs.id, state: runs.state }).from(runs).where(and(eq(runs.ticketId, ticket.id), activeState)).limit(1);
  const [statusActive] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(runs)
    .innerJoin(tickets, eq(tickets.id, runs.ticketId))
    .where(and(activeState, eq(tickets.statusId, ticket.statusId)));

  const machineRows = await db.select().from(machines).where(and(eq(machines.orgId, orgId), isNull(machines.revokedAt)));
  const machineFacts = [];
  for (const m of machineRows) {
    const clis = Array.isArray(m.clis) ? (m.clis as Array<{ name?: unknown }>).flatMap((c) => (typeof c?.name === 'string' ? [c.name] : [])) : [];
    machineFacts.push({ id: m.id, name: m.name, labels: m.labels, clis, connected: m.sessionId !== null, revoked: m.revokedAt !== null, slots: m.slots, activeRuns: await countActive(db, eq(runs.machineId, m.id)) });
  }

  return {
    now: clock.now(),
    ticket: {
      identifier: ticket.identifier,
      archived: ticket.archivedAt !== null,
      statusId: ticket.statusId,
      statusName: status!.name,
      costUsd: ticket.costUsd,
      budgetUsd: ticket.budgetUsd,
      nextRetryAt: ticket.nextRetryAt,
      parkedReason: ticket.parkedReason,
      workflowId: ticket.workflowId,
    },
    workflows: workflowFacts,
    unfinishedBlockers: blockers.map((b) => ({ identifier: b.identifier, statusName: b.statusName })),
    activeRun: activeRun ?? null,
    project: { maxConcurrentRuns: project!.maxConcurrentRuns, activeRuns: await countActive(db, eq(runs.projectId, ticket.projectId)) },
    status: { name: status!.name, maxActiveRuns: status!.maxActiveRuns, activeRuns: statusActive?.n ?? 0 },
    machines: machineFacts,
  };
}

/** `openase ticket why`: exactly why the ticket would or would not be picked up now. */
export async function whyTicket(db: DbOrTx, clock: Clock, orgId: string, ticketRef: string): Promise<PickupDiagnosis> {
  return diagnosePickup(await loadPickupFacts(db, clock, orgId, ticketRef));
}
