/**
 * Resolves the caller of an HTTP request: an API token in `Authorization: Bearer`, or a browser
 * session cookie. Cookie-authenticated requests that change state must carry the CSRF header.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { isOpenaseError } from '@openase/shared';
import type { Actor, Deps } from '../kernel/context.js';
import { authenticateToken } from '../auth/tokens.js';
import { authenticateRunToken } from '../auth/run-tokens.js';
import { authenticateSession } from '../auth/sessions.js';

export const SESSION_COOKIE = 'openase_session';
export const CSRF_COOKIE = 'openase_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export type AuthVariables = { actor: Actor | null; authError: string | undefined; sessionId: string | undefined };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(deps: Deps): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    c.set('actor', null);
    c.set('authError', undefined);
    const header = c.req.header('authorization');
    try {
      if (header) {
        const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
        if (!m) throw new Error('the Authorization header must be "Bearer <token>"');
        const bearer = m[1]!;
        c.set(
          'actor',
          bearer.startsWith('oar_') ? await authenticateRunToken(deps, bearer) : await authenticateToken(deps, bearer),
        );
      } else {
        const cookie = getCookie(c, SESSION_COOKIE);
        if (cookie) {
          const session = await authenticateSession(deps, cookie);
          if (!SAFE_METHODS.has(c.req.method) && c.req.header(CSRF_HEADER) !== session.csrfToken) {
            throw new Error(`missing or wrong ${CSRF_HEADER} header; reload the page`);
          }
          c.set('actor', session.actor);
          c.set('sessionId', session.sessionId);
        }
      }
    } catch (err) {
      if (!isOpenaseError(err) && !(err instanceof Error)) throw err;
      c.set('authError', err.message);
    }
    await next();
  };
}

/** 401 for any caller that is not authenticated, with the reason when a credential was refused. */
export const requireAuthenticated: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => {
  if (!c.get('actor')) return unauthorizedResponse(c, c.get('authError'));
  await next();
};

export function unauthorizedResponse(c: Context, reason?: string) {
  const message = reason ?? 'authentication required: send an API token (Authorization: Bearer oat_…) or sign in';
  const headers = { 'WWW-Authenticate': 'Bearer realm="openase"' };
  if (c.req.path.startsWith('/trpc/')) {
    // Shaped like a tRPC error (JSON-RPC code -32001) so tRPC clients surface the message.
    return c.json(
      { error: { message, code: -32001, data: { code: 'UNAUTHORIZED', httpStatus: 401, appCode: 'UNAUTHORIZED' } } },
      401,
      headers,
    );
  }
  return c.json({ error: { code: 'UNAUTHORIZED', message } }, 401, headers);
}
