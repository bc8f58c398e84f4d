/**
 * The HTTP surface of the control plane. Routes, in order:
 *   GET  /api/health                 public
 *   /auth/*                          sign-in: links, invitations, single sign-on, sign-out (http/auth-routes.ts)
 *   /trpc/*                          the tRPC API (queries, mutations, SSE subscriptions)
 *   GET  /api/projects/:p/activity/stream   SSE, resumable with Last-Event-ID
 *   POST /agent/join                 join token → machine credential (daemons)
 *   POST /webhooks/github/:project   GitHub webhooks, HMAC-signed (integrations/github/webhooks.ts)
 *   /*                               the web console (static; the shell holds no data)
 * Everything but health, sign-in and the static console requires authentication.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { trpcServer } from '@hono/trpc-server';
import { HTTP_STATUS, LIMITS, findBadText, isOpenaseError, machineJoinInput } from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import { appRouter } from '../api/router.js';
import { describeZodError, type ApiContext } from '../api/trpc.js';
import { redeemJoinToken } from '../fleet/join.js';
import { mountAuthRoutes } from './auth-routes.js';
import { streamProjectActivity } from '../activity/stream.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { authenticate, requireAuthenticated, unauthorizedResponse, type AuthVariables } from './authenticate.js';
import { serveConsole } from './console.js';
import type { FleetHub } from '../fleet/hub.js';
import { mountAgentRoutes } from '../fleet/agent-routes.js';
import { requestLog, type RequestVariables } from './request-log.js';
import { mountGithubWebhooks } from '../integrations/github/webhooks.js';
import type { ProxyVariables } from './proxy.js';
import { apiGuard, DEFAULT_RATE_LIMITS, type RateLimits } from './api-guard.js';

export interface AppOptions {
  deps: Deps;
  version: string;
  databaseKind: string;
  /** Folder of the built web console; absent = a minimal page that says how to build it. */
  webDist?: string | null;
  /** The fleet hub: daemons' WebSocket sessions; absent = no /agent/ws (domain-only tests). */
  hub?: FleetHub;
  /** The data dir (for the server-host proof of `openase auth break-glass`). */
  home?: string;
  /** Path of the built daemon bundle served at /agent/download. */
  daemonBundle?: () => string | null;
  /** This replica's id and whether it is shutting down (shown by /api/health). */
  health?: { replica: string; draining: boolean };
  /** `GET /metrics` (server/metrics.ts); absent = no such route. */
  metrics?: (c: import('hono').Context) => Promise<Response>;
  /** Per-credential request rate (http/api-guard.ts); null = no rate limit (batch caps still apply). */
  rateLimits?: RateLimits | null;
  /** The configured public URL (the install script's base); null until known. Never the Host header. */
  publicUrl?: () => string | null;
  /** A reverse proxy in front is trusted: X-Forwarded-Proto makes cookies Secure, X-Forwarded-For names the client. */
  trustProxy?: boolean;
  /** Called when a request completes (HTTP latency metrics). */
  onRequest?: (info: { method: string; route: string; status: number; seconds: number }) => void;
}

export function createApp(opts: AppOptions) {
  const { deps } = opts;
  const app = new Hono<{ Variables: AuthVariables & RequestVariables & ProxyVariables }>();
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  app.use('*', requestLog(deps, procedures, opts.onRequest));
  const trustProxy = opts.trustProxy ?? false;
  app.use('*', async (c, next) => {
    c.set('trustProxy', trustProxy);
    await next();
  });

  app.onError((err, c) => {
    if (isOpenaseError(err))
      return c.json({ error: { code: err.code, message: err.message } }, HTTP_STATUS[err.code] as 400);
    (c.get('log') ?? deps.log).error({ err }, `[http] unhandled error in ${c.req.method} ${c.req.path}`);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } }, 500);
  });

  // Answers once migrations are applied (the server listens only then): readiness and liveness alike.
  // 503 while shutting down, so a proxy or orchestrator stops sending work here.
  app.get('/api/health', (c) => {
    const body = {
      ok: !opts.health?.draining,
      version: opts.version,
      database: opts.databaseKind,
      migrations: 'applied',
      ...(opts.health ? { replica: opts.health.replica } : {}),
      ...(opts.health?.draining ? { draining: true } : {}),
    };
    return c.json(body, opts.health?.draining ? 503 : 200);
  });

  mountAuthRoutes(app, deps, { home: opts.home });
  // Signed by GitHub with the project's webhook secret, not by a session or token.
  mountGithubWebhooks(app, deps);

  app.use('/api/*', authenticate(deps), bodyLimit({ maxSize: LIMITS.requestBodyMax, onError: tooLarge }));
  app.use('/trpc/*', authenticate(deps), bodyLimit({ maxSize: LIMITS.requestBodyMax, onError: tooLarge }));
  app.use('/api/*', requireAuthenticated, async (c, next) => {
    // Run tokens work only through the tRPC allowlist (api/agent-access.ts).
    if (c.get('actor')?.run)
      return c.json(
        {
          error: {
            code: 'FORBIDDEN',
            message: 'a run token cannot call the HTTP API; use the openase wrapper in the workspace',
          },
        },
        403,
      );
    await next();
  });
  app.use('/trpc/*', requireAuthenticated);
  const guard = apiGuard(opts.rateLimits === undefined ? DEFAULT_RATE_LIMITS : opts.rateLimits);
  app.use('/api/*', guard);
  app.use('/trpc/*', guard);

  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      createContext: (_opts, c): ApiContext & Record<string, unknown> => ({
        deps: { ...deps, log: c.get('log') },
        actor: c.get('actor'),
        authError: c.get('authError'),
        fleet: opts.hub,
        publicUrl: opts.publicUrl?.() ?? new URL(c.req.url).origin,
      }),
    }),
  );

  app.get('/api/projects/:project/activity/stream', async (c) => {
    const actor = c.get('actor')!;
    const project = await resolveProject(deps.db, actor.orgId, c.req.param('project'));
    const afterSeq = Number.parseInt(c.req.header('last-event-id') ?? c.req.query('after') ?? '0', 10) || 0;
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const heartbeat = setInterval(
        () => void stream.writeSSE({ event: 'ping', data: '' }).catch(() => abort.abort()),
        15_000,
      );
      try {
        await stream.writeSSE({
          event: 'ready',
          data: JSON.stringify({ project: project.slug, afterSeq }),
          retry: 2000,
        });
        for await (const entry of streamProjectActivity(deps, { projectId: project.id, afterSeq }, abort.signal)) {
          await stream.writeSSE({ id: String(entry.seq), event: 'activity', data: JSON.stringify(entry) });
        }
      } finally {
        clearInterval(heartbeat);
      }
    });
  });

  app.all('/api/*', (c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `no API route ${c.req.method} ${c.req.path}` } }, 404),
  );
  // A daemon exchanges its join token (Authorization: Bearer oaj_…) for a machine credential.
  app.post('/agent/join', bodyLimit({ maxSize: 64 * 1024, onError: tooLarge }), async (c) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!m) return unauthorizedResponse(c, 'send the join token as Authorization: Bearer oaj_…');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: { code: 'BAD_REQUEST', message: 'the request body must be JSON' } }, 400);
    }
    const bad = findBadText(body);
    if (bad)
      return c.json(
        { error: { code: 'VALIDATION_FAILED', message: `invalid join request: ${bad.path}: ${bad.reason}` } },
        400,
      );
    const parsed = machineJoinInput.safeParse(body);
    if (!parsed.success)
      return c.json(
        { error: { code: 'VALIDATION_FAILED', message: `invalid join request: ${describeZodError(parsed.error)}` } },
        400,
      );
    const { machine, credential } = await redeemJoinToken(deps, m[1]!, parsed.data);
    return c.json({
      machineId: machine.id,
      name: machine.name,
      labels: machine.labels,
      slots: machine.slots,
      credential,
    });
  });
  if (opts.hub)
    mountAgentRoutes(app, deps, opts.hub, opts.daemonBundle ?? (() => null), opts.publicUrl ?? (() => null));
  app.all('/agent/*', authenticate(deps), requireAuthenticated, (c) =>
    c.json({ error: { code: 'NOT_FOUND', message: 'no such agent route' } }, 404),
  );

  if (opts.metrics) app.get('/metrics', opts.metrics);
  serveConsole(app, opts.webDist ?? null);
  return app;
}

function tooLarge(c: import('hono').Context) {
  return c.json(
    { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body larger than ${LIMITS.requestBodyMax} bytes` } },
    413,
  );
}
