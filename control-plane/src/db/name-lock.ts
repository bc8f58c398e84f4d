import { sql } from 'drizzle-orm';
import type { Tx } from './database.js';

/**
 * Serializes "find by name, else insert" for one name until the transaction ends, so two
 * concurrent creates of the same name never race into a unique-index error: the second waits,
 * then finds the first one's row. (Transaction-scoped advisory lock; works on PGlite too.)
 */
export async function lockName(tx: Tx, kind: string, scopeId: string, name: string): Promise<void> {
  const key = `${kind}:${scopeId}:${name.trim().toLowerCase()}`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
}
