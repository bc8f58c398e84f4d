/**
 * The facts the pickup gates need, read for a whole project at once (a few queries, whatever the
 * number of candidate tickets), then turned into per-ticket `PickupFacts` in memory. The
 * dispatcher counts each run it claims into these facts, so later candidates in the same pass
 * see the slots and limits it already used.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, type AgentAdapter } from '@openase/shared';
import {
  agents,
  machines,
  projects,
  runs,
  statuses,
  ticketDependencies,
  tickets,
  workflows,
  workflowVersions,
} from '../db/schema.js';
import { blockerOpen, ticketOfRun } from '../kernel/lookups.js';
import type { DbOrTx } from '../db/database.js';
import type { Harness } from '../workflows/harness/schema.js';
import type { AgentFacts, MachineFacts, PickupFacts, WorkflowFacts } from './gates.js';

type Ticket = typeof tickets.$inferSelect;
type WorkflowVersion = typeof workflowVersions.$inferSelect;

export interface ActiveRunCounts {
  byWorkflow: Map<string, number>;
  byAgent: Map<string, number>;
  byStatus: Map<string, number>;
  byMachine: Map<string, number>;
  project: number;
}

export interface ProjectFacts {
  project: typeof projects.$inferSelect;
  statuses: Map<string, typeof statuses.$inferSelect>;
  workflows: Array<{
    workflow: typeof workflows.$inferSelect;
    version: WorkflowVersion;
    harness: Harness;
    agent: typeof agents.$inferSelect | null;
  }>;
  machines: Array<typeof machines.$inferSelect>;
  counts: ActiveRunCounts;
  /** Per blocked ticket id: its unfinished blockers. */
  blockers: Map<string, Array<{ identifier: string; statusName: string; canceled: boolean }>>;
  /** Tickets that already have an active run. */
  ticketsWithActiveRun: Set<string>;
}

const bump = (map: Map<string, number>, key: string | null | undefined, by = 1) => {
  if (key) map.set(key, (map.get(key) ?? 0) + by);
};

/** The facts of a project; `project`: the row when the caller already holds it. One round trip on PostgreSQL. */
export async function loadProjectFacts(
  db: DbOrTx,
  projectId: string,
  candidateIds: readonly string[],
  knownProject?: typeof projects.$inferSelect,
): Promise<ProjectFacts> {
  const [[project], rows, blockerRows] = await Promise.all([
    knownProject ? [knownProject] : db.select().from(projects).where(eq(projects.id, projectId)),
    readProjectRows(db, projectId),
    readBlockers(db, candidateIds),
  ]);
  return assembleFacts(project!, rows, blockerRows);
}

export type ProjectRows = Awaited<ReturnType<typeof readProjectRows>>;

/**
 * The project's statuses, agents, workflows, its org's machines and active runs. Independent reads, issued together
 * when called (the org by a subquery, so they need no row read first): on PostgreSQL they share one round trip with
 * whatever is issued alongside (postgres.js pipelines the queries of a connection), and run after it, in order.
 */
export function readProjectRows(db: DbOrTx, projectId: string) {
  const orgId = sql`(select ${projects.orgId} from ${projects} where ${projects.id} = ${projectId})`;
  return Promise.all([
    db.select().from(statuses).where(eq(statuses.projectId, projectId)),
    db.select().from(agents).where(eq(agents.projectId, projectId)),
    db
      .select({ workflow: workflows, version: workflowVersions })
      .from(workflows)
      .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
      .where(eq(workflows.projectId, projectId)),
    db
      .select()
      .from(machines)
      .where(and(eq(machines.orgId, orgId), isNull(machines.revokedAt))),
    // Active runs of the project (for the project, workflow, agent and status gates) and of the
    // org's machines (slots are shared across projects).
    db
      .select({
        projectId: runs.projectId,
        workflowId: runs.workflowId,
        agentId: runs.agentId,
        machineId: runs.machineId,
        ticketId: runs.ticketId,
        statusId: tickets.statusId,
      })
      .from(runs)
      .leftJoin(tickets, ticketOfRun())
      .where(and(eq(runs.orgId, orgId), inArray(runs.state, [...ACTIVE_RUN_STATES]))),
  ]);
}

/** The unfinished blockers of the candidate tickets. */
export function readBlockers(db: DbOrTx, candidateIds: readonly string[]) {
  return candidateIds.length
    ? db
        .select({
          blockedId: ticketDependencies.blockedId,
          identifier: tickets.identifier,
          statusName: statuses.name,
          canceled: sql<boolean>`${statuses.stage} = 'canceled'`,
        })
        .from(ticketDependencies)
        .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockerId))
        .innerJoin(statuses, eq(statuses.id, tickets.statusId))
        .where(and(inArray(ticketDependencies.blockedId, [...candidateIds]), blockerOpen(statuses.stage)))
    : Promise.resolve([]);
}

export function assembleFacts(
  project: typeof projects.$inferSelect,
  [statusRows, agentRows, workflowRows, machineRows, active]: ProjectRows,
  blockerRows: Awaited<ReturnType<typeof readBlockers>>,
): ProjectFacts {
  const projectId = project.id;
  const counts: ActiveRunCounts = {
    byWorkflow: new Map(),
    byAgent: new Map(),
    byStatus: new Map(),
    byMachine: new Map(),
    project: 0,
  };
  const ticketsWithActiveRun = new Set<string>();
  for (const r of active) {
    bump(counts.byMachine, r.machineId);
    if (r.projectId !== projectId) continue;
    counts.project++;
    bump(counts.byWorkflow, r.workflowId);
    bump(counts.byAgent, r.agentId);
    bump(counts.byStatus, r.statusId);
    if (r.ticketId) ticketsWithActiveRun.add(r.ticketId);
  }
  const blockers = new Map<string, Array<{ identifier: string; statusName: string; canceled: boolean }>>();
  for (const r of blockerRows)
    blockers.set(r.blockedId, [
      ...(blockers.get(r.blockedId) ?? []),
      { identifier: r.identifier, statusName: r.statusName, canceled: r.canceled },
    ]);
  return {
    project,
    statuses: new Map(statusRows.map((s) => [s.id, s])),
    workflows: workflowRows.map(({ workflow, version }) => ({
      workflow,
      version,
      harness: version.harness as Harness,
      agent: agentRows.find((a) => a.id === version.agentId) ?? null,
    })),
    machines: machineRows,
    counts,
    blockers,
    ticketsWithActiveRun,
  };
}

/** Counts a newly claimed run into the facts, so the rest of the pass respects its slot and limits. */
export function countClaim(
  facts: ProjectFacts,
  claim: { workflowId: string; agentId: string | null; statusId: string; machineId: string; ticketId: string },
): void {
  facts.counts.project++;
  bump(facts.counts.byWorkflow, claim.workflowId);
  bump(facts.counts.byAgent, claim.agentId);
  bump(facts.counts.byStatus, claim.statusId);
  bump(facts.counts.byMachine, claim.machineId);
  facts.ticketsWithActiveRun.add(claim.ticketId);
}

/** CLI names in a machine's inventory. */
export function machineClis(m: typeof machines.$inferSelect): string[] {
  return Array.isArray(m.clis)
    ? (m.clis as Array<{ name?: unknown }>).flatMap((c) => (typeof c?.name === 'string' ? [c.name] : []))
    : [];
}

/** The agents' commands the machine's daemon last reported as not found (heartbeat `commands`). */
export function machineMissingCommands(m: typeof machines.$inferSelect): string[] {
  const commands = m.lastHeartbeat?.commands;
  return Array.isArray(commands) ? commands.filter((c) => c?.found === false).map((c) => c.command) : [];
}

export function pickupFactsFor(facts: ProjectFacts, ticket: Ticket, now: Date): PickupFacts {
  const c = facts.counts;
  const agentFacts = (a: typeof agents.$inferSelect | null): AgentFacts | null =>
    a && {
      name: a.name,
      adapter: a.adapter as AgentAdapter,
      command: a.command,
      maxParallelRuns: a.maxParallelRuns,
      machineLabels: a.machineLabels,
      activeRuns: c.byAgent.get(a.id) ?? 0,
    };
  const workflowFacts: WorkflowFacts[] = facts.workflows.map(({ workflow, version, harness, agent }) => ({
    id: workflow.id,
    name: workflow.name,
    active: workflow.active,
    pickupStatusIds: version.pickupStatusIds,
    pickupStatusNames: version.pickupStatusIds.map((id) => facts.statuses.get(id)?.name ?? id),
    maxConcurrent: harness.max_concurrent ?? null,
    budgetUsd: harness.budget_usd ?? null,
    machineLabels: harness.machine_labels ?? [],
    activeRuns: c.byWorkflow.get(workflow.id) ?? 0,
    agent: agentFacts(agent),
  }));
  const machineFacts: MachineFacts[] = facts.machines.map((m) => ({
    id: m.id,
    name: m.name,
    labels: m.labels,
    clis: machineClis(m),
    missingCommands: machineMissingCommands(m),
    connected: m.sessionId !== null,
    revoked: m.revokedAt !== null,
    slots: m.slots,
    activeRuns: c.byMachine.get(m.id) ?? 0,
  }));
  const status = facts.statuses.get(ticket.statusId)!;
  return {
    now,
    ticket: {
      identifier: ticket.identifier,
      archived: ticket.archivedAt !== null,
      statusId: ticket.statusId,
      statusName: status.name,
      costUsd: ticket.costUsd,
      budgetUsd: ticket.budgetUsd,
      nextRetryAt: ticket.nextRetryAt,
      parkedReason: ticket.parkedReason,
      unansweredQuestion: ticket.question !== null && ticket.answer === null ? ticket.question : null,
      workflowId: ticket.workflowId,
    },
    workflows: workflowFacts,
    unfinishedBlockers: facts.blockers.get(ticket.id) ?? [],
    activeRun: facts.ticketsWithActiveRun.has(ticket.id) ? { id: '', state: 'active' } : null,
    project: { maxConcurrentRuns: facts.project.maxConcurrentRuns, activeRuns: c.project },
    status: {
      name: status.name,
      maxActiveRuns: status.maxActiveRuns,
      activeRuns: c.byStatus.get(ticket.statusId) ?? 0,
    },
    machines: machineFacts,
  };
}
