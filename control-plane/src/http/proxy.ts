/**
 * What a request says about its client when a reverse proxy is in front (`--trust-proxy`): the
 * scheme the browser used (X-Forwarded-Proto; Secure cookies) and its address (X-Forwarded-For).
 * Untrusted (the default), these headers are ignored: any client can send them.
 */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

export type ProxyVariables = { trustProxy: boolean };

const trusted = (c: Context) => (c.get('trustProxy') as boolean | undefined) === true;

/** True when the browser reached us over TLS (directly, or through a trusted proxy). */
export function isSecureRequest(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  if (!trusted(c)) return false;
  return (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}

/** The caller's address: the socket's, or the one a trusted proxy saw (the last X-Forwarded-For entry). */
export function clientIp(c: Context): string | null {
  if (trusted(c)) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (forwarded.length) return forwarded.at(-1)!;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
