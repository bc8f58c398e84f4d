/**
 * Saving the next version of a versioned row (a workflow, a skill): numbered after the last one and made the
 * current one. Here in kernel/ because the folders that keep versioned rows may not import each other.
 */
import { eq } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Tx } from '../db/database.js';
import type { Deps } from './context.js';
import { insertNew } from './rows.js';

type VersionedTable = PgTable & { id: PgColumn; currentVersionId: PgColumn; versionSeq: PgColumn };

export interface NextVersion<O extends VersionedTable, V extends PgTable & { id: PgColumn }> {
  table: O;
  owner: { id: string; versionSeq: number };
  versions: V;
  /** The version's row, given its number. */
  values: (number: number) => Omit<V['$inferInsert'], 'id'>;
  /** What else changes on the owner with the new version. */
  ownerChanges: PgUpdateSetSource<O>;
}

/** Inserts the owner's next version and makes it current; answers its number, the version and the owner. */
export async function appendVersion<O extends VersionedTable, V extends PgTable & { id: PgColumn }>(
  tx: Tx,
  deps: Pick<Deps, 'ids'>,
  next: NextVersion<O, V>,
): Promise<{ number: number; version: V['$inferSelect']; owner: O['$inferSelect'] }> {
  const number = next.owner.versionSeq + 1;
  const version = await insertNew(tx, deps, next.versions, next.values(number));
  const set = { currentVersionId: version.id, versionSeq: number, ...next.ownerChanges } as PgUpdateSetSource<O>;
  const query = tx.update(next.table).set(set).where(eq(next.table.id, next.owner.id));
  const [owner] = (await query.returning()) as O['$inferSelect'][];
  return { number, version, owner: owner! };
}
