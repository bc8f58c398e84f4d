/**
 * What a board card shows at a glance beyond the ticket row: how many unfinished tickets block
 * it, how many children it has, and its latest run's state (failed, waiting for a machine…), read
 * from the runs alone: the attempt counter starts over on Retry, the last run's failure stays shown.
 * Three grouped queries, at once, for the whole board, never one per card.
 */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { runs, statuses, ticketDependencies, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { blockerOpen } from '../kernel/lookups.js';

export interface CardFacts {
  /** Tickets blocking this one that still block (kernel/lookups.ts `blockerOpen`). */
  openBlockers: number;
  /** Children not archived. */
  childCount: number;
  /** The state of the newest run (null: never run). */
  lastRunState: string | null;
  /** Whether the newest run was waiting for a machine (queued, no machine yet). */
  lastRunMachineId: string | null;
}

export async function cardFacts(db: DbOrTx, rows: Array<{ id: string }>): Promise<Map<string, CardFacts>> {
  const ids = rows.map((r) => r.id);
  const facts = new Map<string, CardFacts>(
    ids.map((id) => [id, { openBlockers: 0, childCount: 0, lastRunState: null, lastRunMachineId: null }]),
  );
  if (!ids.length) return facts;
  const [blocked, children, latest] = await Promise.all([
    db
      .select({ id: ticketDependencies.blockedId, n: sql<number>`count(*)::int` })
      .from(ticketDependencies)
      .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockerId))
      .innerJoin(statuses, eq(statuses.id, tickets.statusId))
      .where(and(inArray(ticketDependencies.blockedId, ids), blockerOpen(statuses.stage)))
      .groupBy(ticketDependencies.blockedId),
    db
      .select({ id: tickets.parentId, n: sql<number>`count(*)::int` })
      .from(tickets)
      .where(and(inArray(tickets.parentId, ids), isNull(tickets.archivedAt)))
      .groupBy(tickets.parentId),
    db
      .selectDistinctOn([runs.ticketId], { id: runs.ticketId, state: runs.state, machineId: runs.machineId })
      .from(runs)
      .where(inArray(runs.ticketId, ids))
      .orderBy(runs.ticketId, desc(runs.createdAt)),
  ]);
  for (const b of blocked) facts.get(b.id)!.openBlockers = b.n;
  for (const c of children) if (c.id) facts.get(c.id)!.childCount = c.n;
  for (const r of latest)
    if (r.id) Object.assign(facts.get(r.id)!, { lastRunState: r.state, lastRunMachineId: r.machineId });
  return facts;
}
