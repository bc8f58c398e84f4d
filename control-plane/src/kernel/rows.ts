/**
 * Inserting a new row: the row gets a fresh id and the insert answers it. Here in kernel/ because every domain
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
