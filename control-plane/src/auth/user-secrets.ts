/** Rows a user's bearer secret finds (a browser session, an API token), with the user and their membership. */
import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { memberships, users } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { secretMatches } from './secrets.js';

export interface UserSecretRow<R> {
  row: R;
  user: typeof users.$inferSelect;
  orgId: string;
  role: string;
}

/**
 * The row of `table` a parsed bearer names (and `condition` allows), with its user and the user's membership,
 * when the bearer's secret matches the row's hash; else null.
 */
export async function findUserSecretRow<T extends PgTable & { id: PgColumn; userId: PgColumn; secretHash: PgColumn }>(
  db: DbOrTx,
  table: T,
  parsed: { id: string; secret: string },
  condition?: SQL,
): Promise<UserSecretRow<T['$inferSelect']> | null> {
  const [found] = (await db
    .select({ row: table, user: users, orgId: memberships.orgId, role: memberships.role })
    .from(table as PgTable)
    .innerJoin(users, eq(users.id, table.userId))
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(and(eq(table.id, parsed.id), condition))
    .limit(1)) as UserSecretRow<T['$inferSelect'] & { secretHash: string }>[];
  return found && secretMatches(parsed.secret, found.row.secretHash) ? found : null;
}
