/**
 * Conditions for finding what a person names, shared by the folders that keep such rows (agents, statuses,
 * workflows, skills), and joins several folders make. Here in kernel/ because those folders may not import
 * each other upwards.
 */
import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { runs, tickets } from '../db/schema.js';

/** The row of a project named as typed: its name, ignoring case and the spaces around what was typed. */
export function namedInProject(table: { projectId: PgColumn; name: PgColumn }, projectId: string, name: string): SQL {
  return and(eq(table.projectId, projectId), sql`lower(${table.name}) = lower(${name.trim()})`)!;
}

/** A version of a versioned row (`owner` its column in `table`): the numbered one, else the current one. */
export function versionOf(
  table: { id: PgColumn; version: PgColumn },
  owner: PgColumn,
  row: { id: string; currentVersionId: string | null },
  version?: number,
): SQL {
  return version === undefined
    ? eq(table.id, row.currentVersionId!)
    : and(eq(owner, row.id), eq(table.version, version))!;
}

/** Joins a run to its ticket (a Project AI conversation's run has none). */
export function ticketOfRun(): SQL {
  return eq(tickets.id, runs.ticketId);
}

/**
 * Whether a blocker in a status of `stage` still blocks: until it is in a completed stage. A canceled blocker still
 * blocks (its work was not done; unlink it to go on). The one definition behind dispatch, `ticket why` and the board's
 * "Blocked by N" (they disagreed on canceled blockers until 2026-12-07).
 */
export function blockerOpen(stage: SQLWrapper): SQL {
  return sql`${stage} <> 'completed'`;
}
