/**
 * Approval calls still waiting, as the run and ticket pages show them. Here, below the
 * orchestrator that records and decides them (orchestrator/approvals.ts), because runs/ and tickets/
 * list them too.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { ACTIVE_RUN_STATES } from '@openase/shared';
import { runApprovals, runs } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';

/** Calls still waiting (of runs that have not ended), oldest first: of some runs, or of a ticket's runs. */
export async function waitingApprovals(
  db: DbOrTx,
  where: { runIds?: string[]; ticketId?: string; projectId?: string },
): Promise<(typeof runApprovals.$inferSelect)[]> {
  const conditions = [eq(runApprovals.state, 'waiting'), inArray(runs.state, [...ACTIVE_RUN_STATES])];
  if (where.projectId) conditions.push(eq(runApprovals.projectId, where.projectId));
  if (where.runIds) {
    if (where.runIds.length === 0) return [];
    conditions.push(inArray(runApprovals.runId, where.runIds));
  }
  if (where.ticketId) conditions.push(eq(runApprovals.ticketId, where.ticketId));
  const rows = await db
    .select({ approval: runApprovals })
    .from(runApprovals)
    .innerJoin(runs, eq(runs.id, runApprovals.runId))
    .where(and(...conditions))
    .orderBy(asc(runApprovals.createdAt));
  return rows.map((r) => r.approval);
}
