/**
 * Which workflow reviews a ticket, and its review statuses: the workflow of the ticket's latest
 * agent run (its current version, so a merge step added since applies), else its explicit
 * workflow, else the active workflow that finishes into (or merges from) the ticket's status.
 */
import { and, desc, eq } from 'drizzle-orm';
import { runs, workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Ticket } from '../tickets/tickets.js';
import type { ResolvedMerge } from '../workflows/validate-project.js';
import type { Workflow, WorkflowVersion } from '../workflows/versions.js';

export interface ReviewFlow {
  workflow: Workflow;
  version: WorkflowVersion;
  /** Where the ticket waits for review (the workflow's finish statuses). */
  reviewStatusIds: string[];
  /** Requested changes and merge conflicts send it here. */
  reworkStatusId: string;
  /** The merge step, when declared. */
  merge: { statusId: string; doneStatusId: string } | null;
}

function flowOf(workflow: Workflow, version: WorkflowVersion): ReviewFlow {
  const merge = version.merge as ResolvedMerge | null;
  return {
    workflow,
    version,
    reviewStatusIds: version.finishStatusIds,
    reworkStatusId: merge?.reworkStatusId ?? version.pickupStatusIds[0]!,
    merge:
      merge?.statusId && merge.doneStatusId ? { statusId: merge.statusId, doneStatusId: merge.doneStatusId } : null,
  };
}

async function current(db: DbOrTx, workflowId: string): Promise<ReviewFlow | null> {
  const [row] = await db
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(eq(workflows.id, workflowId));
  return row ? flowOf(row.workflow, row.version) : null;
}

export async function reviewFlowFor(db: DbOrTx, ticket: Ticket): Promise<ReviewFlow | null> {
  const [latest] = await db
    .select({ workflowId: runs.workflowId })
    .from(runs)
    .where(and(eq(runs.ticketId, ticket.id), eq(runs.kind, 'agent')))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  const byRun = latest?.workflowId ? await current(db, latest.workflowId) : null;
  if (byRun) return byRun;
  if (ticket.workflowId) {
    const byOverride = await current(db, ticket.workflowId);
    if (byOverride) return byOverride;
  }
  const rows = await db
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(and(eq(workflows.projectId, ticket.projectId), eq(workflows.active, true)))
    .orderBy(workflows.name);
  const flows = rows.map((r) => flowOf(r.workflow, r.version));
  return (
    flows.find((f) => f.reviewStatusIds.includes(ticket.statusId) || f.merge?.statusId === ticket.statusId) ?? null
  );
}
