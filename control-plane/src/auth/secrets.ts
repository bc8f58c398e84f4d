/**
 * Bearer secrets have the shape `<kind>_<id>_<secret>`: the id finds the row, the secret is
 * checked against its stored SHA-256 in constant time. A 256-bit random secret needs no slow
 * hash. The kind prefix makes leaked tokens recognizable by secret scanners.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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

export function parseSecret(token: string, kind: SecretKind): { id: string; secret: string } | null {
  const m = new RegExp(`^${kind}_([0-9a-f]{12})_([A-Za-z0-9_-]{20,200})$`).exec(token.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
