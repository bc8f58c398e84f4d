/**
 * Conditions for finding what a person names, shared by the folders that keep such rows (agents, statuses,
 * workflows, skills), and joins several folders make. Here in kernel/ because those folders may not import
 * each other upwards.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
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
