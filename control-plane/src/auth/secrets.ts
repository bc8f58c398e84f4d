/**
 * Bearer secrets have the shape `<kind>_<id>_<secret>`: the id finds the row, the secret is
 * checked against its stored SHA-256 in constant time. A 256-bit random secret needs no slow
 * hash. The kind prefix makes leaked tokens recognizable by secret scanners.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PgColumn, PgInsertValue, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/database.js';
import type { IdGenerator } from '../kernel/context.js';

export type SecretKind =
  | 'oat' /* API token */
  | 'oas' /* browser session */
  | 'osl' /* sign-in link */
  | 'oaj' /* machine join token */
  | 'oam' /* machine credential */
  | 'oar' /* a run's agent token */
  | 'oin'; /* an invitation */

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function mintSecret(
  ids: IdGenerator,
  kind: SecretKind,
): { id: string; secret: string; token: string; hash: string } {
  const id = ids.shortId();
  const secret = ids.secret(32);
  return { id, secret, token: `${kind}_${id}_${secret}`, hash: sha256(secret) };
}

/**
 * Inserts a row that a bearer secret finds: its id and the hash of its secret come from a freshly minted `kind`
 * secret. Answers the row as stored and the token to hand out (only the hash is kept).
 */
export async function insertWithSecret<T extends PgTable & { id: PgColumn; secretHash: PgColumn }>(
  db: DbOrTx,
  ids: IdGenerator,
  kind: SecretKind,
  table: T,
  values: Omit<T['$inferInsert'], 'id' | 'secretHash'>,
): Promise<{ row: T['$inferSelect']; token: string }> {
  const minted = mintSecret(ids, kind);
  const row = { ...values, id: minted.id, secretHash: minted.hash } as PgInsertValue<T>;
  const [stored] = (await db.insert(table).values(row).returning()) as T['$inferSelect'][];
  return { row: stored!, token: minted.token };
}

export function parseSecret(token: string, kind: SecretKind): { id: string; secret: string } | null {
  const m = new RegExp(`^${kind}_([0-9a-f]{12})_([A-Za-z0-9_-]{20,200})$`).exec(token.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
