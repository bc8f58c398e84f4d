/**
 * Inserting a new row (a fresh id, the row answered) and comparing stored jsonb. Here in kernel/ because every domain
 * folder inserts its rows so.
 */
import type { PgColumn, PgInsertValue, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../db/database.js';
import type { Deps } from './context.js';

/** Inserts `values` as a new row of `table` with a fresh id and answers the row as stored. */
export async function insertNew<T extends PgTable & { id: PgColumn }>(
  tx: Tx,
  deps: Pick<Deps, 'ids'>,
  table: T,
  values: Omit<T['$inferInsert'], 'id'>,
): Promise<T['$inferSelect']> {
  const row = { id: deps.ids.uuid(), ...values } as PgInsertValue<T>;
  const [inserted] = (await tx.insert(table).values(row).returning()) as T['$inferSelect'][];
  return inserted!;
}

/** JSON with sorted keys: a stored row's jsonb (PostgreSQL reorders keys) compares equal to a freshly parsed value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
