/**
 * Every HTTP request gets an id — the proxy's `X-Request-Id` when it sends a sane one, else a
 * fresh one — echoed in the response's `X-Request-Id` and carried by every log record written
 * while handling it (the request's deps hold a child logger). Completed requests are logged at
 * debug level (OPENASE_LOG_LEVEL=debug), failed ones (5xx) at warn.
 */
import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import { inSpan } from '../kernel/tracing.js';

export type RequestVariables = { requestId: string; log: Logger };

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(
  deps: Deps,
  procedures: ReadonlySet<string>,
  onDone?: (info: { method: string; route: string; status: number; seconds: number }) => void,
): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && SANE_ID.test(given) ? given : deps.ids.shortId();
    const log = deps.log.child({ req: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    const started = performance.now();
    const method = c.req.method;
    // Tracing (kernel/tracing.ts): one span per request, named by its route once matched, the
    // caller's span (a `traceparent` header) as its parent.
    const caller = { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') };
    const attributes = { 'http.request.method': method, 'openase.request_id': requestId };
    await inSpan(
      method,
      attributes,
      async (span) => {
        try {
          await next();
        } finally {
          c.header('X-Request-Id', requestId);
          const seconds = (performance.now() - started) / 1000;
          const status = c.res.status;
          const fields = { method, path: c.req.path, status, ms: Math.round(seconds * 1000) };
          if (status >= 500) log.warn(fields, `${method} ${c.req.path} failed with ${status}`);
          else log.debug(fields, `${method} ${c.req.path} ${status}`);
          const route = routeLabel(c.req.routePath, c.req.path, procedures);
          span.set({ 'http.route': route, 'http.response.status_code': status }, `${method} ${route}`);
          if (status >= 500) span.fail(`${status}`);
          onDone?.({ method, route, status, seconds });
        }
      },
      caller,
    );
  };
}

/**
 * A bounded label for a request: the matched route pattern; for tRPC the procedure called
 * (`/trpc/tickets.move`), `/trpc/(batch)` for batched calls and `/trpc/(unknown)` for a name
 * that is no procedure (so a caller cannot create label values at will).
 */
export function routeLabel(routePath: string, path: string, procedures: ReadonlySet<string>): string {
  if (path.startsWith('/trpc/')) {
    const procedure = path.slice('/trpc/'.length);
    if (procedures.has(procedure)) return `/trpc/${procedure}`;
    return procedure.split(',').every((p) => procedures.has(p)) ? '/trpc/(batch)' : '/trpc/(unknown)';
  }
  return routePath || path;
}
