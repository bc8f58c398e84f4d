/**
 * `openase serve`: opens the database (migrating it), bootstraps the instance, writes the local
 * CLI credentials, and starts the HTTP server. Returns a handle whose `close()` shuts it all
 * down in order; SIGINT/SIGTERM do the same when run from the CLI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { openDatabase, type Database } from '../db/database.js';
import { createChangeBus } from '../kernel/change-bus.js';
import { createPubSub } from '../kernel/pubsub.js';
import { forwardCommandsAcrossReplicas } from '../fleet/machine-commands.js';
import { relayActivityAcrossReplicas } from '../kernel/replica-relay.js';
import { randomIds, systemClock, type Deps } from '../kernel/context.js';
import { bootstrapInstance } from '../auth/bootstrap.js';
import { authenticateToken, issueToken } from '../auth/tokens.js';
import { createApp } from '../http/app.js';
import { githubMergeBackend } from '../integrations/github/merge-backend.js';
import { GithubPoller } from '../integrations/github/poller.js';
import { readCredentials, writeCredentials } from './credentials.js';
import type { ServerConfig } from './config.js';
import { VERSION } from '../version.js';
import { createLogger, lineLogger, type Logger } from '../kernel/logger.js';
import { createSecretCipher, loadOrCreateSecretKey } from '../secrets/cipher.js';
import { checkSecretKey, otherControlPlanes } from '../secrets/key-check.js';
import { startFleet, type Fleet } from '../fleet/start.js';
import { startLeaderElection, type Leadership } from '../kernel/leader.js';
import { createMetrics } from '../kernel/metrics.js';
import { startTracing, tracingWanted } from '../kernel/tracing.js';
import { metricsHandler } from './metrics.js';
import { newerSchemaWarning } from './schema-level.js';
import { releaseFile } from '../db/release-files.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { chatRuns } from '../chat/chat-runs.js';
import { JobScheduler } from '../jobs/scheduler.js';
import { Notifier } from '../notifications/notifier.js';

export interface RunningServer {
  url: string;
  port: number;
  database: Database;
  deps: Deps;
  firstSignInUrl: string | null;
  fleet: Fleet;
  orchestrator: Orchestrator;
  notifier: Notifier;
  close(): Promise<void>;
}

/**
 * `log`: the server's logger (default: stdout, JSON or human by OPENASE_LOG_FORMAT / the terminal);
 * a function receives each record's message (tests).
 */
export async function startServer(
  config: ServerConfig,
  logTo?: Logger | ((line: string) => void),
): Promise<RunningServer> {
  const startedAt = performance.now();
  const replicaId = `${os.hostname()}:${process.pid}:${randomIds.shortId()}`;
  const root = typeof logTo === 'function' ? lineLogger(logTo) : (logTo ?? createLogger());
  const log = root.child({ replica: replicaId });
  // Optional OpenTelemetry tracing; its packages are loaded only when it is on (kernel/tracing.ts).
  const stopTracing =
    (config.tracing ?? tracingWanted()) ? await startTracing({ version: VERSION, replica: replicaId }) : null;
  if (stopTracing) log.info('tracing: spans are exported over OTLP/HTTP');
  fs.mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const secretKey = loadOrCreateSecretKey(config.home);
  if (secretKey.created)
    log.warn(`generated the secret encryption key ${secretKey.file} (mode 0600); back it up with the database`);
  // Named after the replica, so its pool can be told apart in pg_stat_activity (and in /metrics).
  const applicationName = `openase ${replicaId}`.slice(0, 63);
  const database = config.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: config.databaseUrl, applicationName }).catch((err: Error) => {
        // The driver's words alone ("connect ECONNREFUSED 127.0.0.1:5432") do not say which database or setting.
        throw new Error(
          `cannot open PostgreSQL ${redactUrl(config.databaseUrl!)} (DATABASE_URL or --database-url): ${err.message}`,
          { cause: err },
        );
      })
    : await openDatabase({ kind: 'pglite', dataDir: path.join(config.home, 'data') });
  const where =
    database.kind === 'pglite'
      ? `embedded (PGlite) in ${path.join(config.home, 'data')}`
      : `PostgreSQL ${redactUrl(config.databaseUrl!)}`;
  const newerSchema = await newerSchemaWarning(database);
  if (newerSchema) log.warn(`database: ${where}; ${newerSchema}`);
  else log.info(`database: ${where}; migrations applied`);
  // A replica whose secret.key is not the database's would read every stored secret as garbage.
  const cipher = createSecretCipher(secretKey.key);
  try {
    const checked = await checkSecretKey(
      database.db,
      new Date(),
      { ...secretKey, cipher },
      {
        replace: config.newSecretKey ?? false,
        shared: database.kind === 'postgres',
        ...(database.kind === 'postgres'
          ? { otherReplicas: () => otherControlPlanes(database.db, applicationName) }
          : {}),
      },
    );
    if (checked === 'recorded')
      log.info(
        `secret key: recorded the fingerprint of ${secretKey.file} (${secretKey.fingerprint}) for this database`,
      );
    if (checked === 'replaced')
      log.warn(
        `secret key: ${secretKey.file} (${secretKey.fingerprint}) is this database's key from now on (--new-secret-key); secrets stored under the old key cannot be read: set them again`,
      );
  } catch (err) {
    await database.close();
    throw err;
  }
  const deps: Deps = {
    db: database.db,
    clock: systemClock,
    ids: randomIds,
    bus: createChangeBus(),
    secrets: cipher,
    log,
    metrics: createMetrics(),
  };
  const health = { replica: replicaId, draining: false };
  let leadership: Leadership | null = null;
  // Several control planes may share one PostgreSQL: relay committed activity between them.
  const pubsub = database.kind === 'postgres' ? createPubSub(database) : null;
  const stopActivityRelay = pubsub
    ? await relayActivityAcrossReplicas({ bus: deps.bus, pubsub, db: deps.db, replicaId, log })
    : async () => {};
  let stopCommandRelay = async () => {};
  const stopRelay = async () => {
    await stopCommandRelay();
    await stopActivityRelay();
  };
  try {
    const boot = await bootstrapInstance(deps);
    const fleet = await startFleet(deps, config, replicaId);
    // Commands for a machine whose socket another replica holds go on that replica's channel.
    if (pubsub) stopCommandRelay = await forwardCommandsAcrossReplicas({ deps, hub: fleet.hub, pubsub, replicaId });
    let publicUrl: string | null = null;
    const app = createApp({
      publicUrl: () => publicUrl,
      trustProxy: config.trustProxy ?? false,
      rateLimits: config.rateLimits === undefined ? undefined : config.rateLimits,
      deps,
      version: VERSION,
      databaseKind: database.kind,
      webDist: findWebDist(),
      hub: fleet.hub,
      daemonBundle: fleet.daemonBundle,
      home: config.home,
      health,
      metrics: metricsHandler(
        { deps, database, hub: fleet.hub, isLeader: () => leadership?.isLeader() ?? false, applicationName },
        config.metricsToken ?? null,
      ),
      onRequest: ({ method, route, status, seconds }) =>
        deps.metrics.httpDuration.observe({ method, route, status: `${Math.floor(status / 100)}xx` }, seconds),
    });
    const server = serve({
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      websocket: { server: fleet.websocketServer },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `${config.host}:${config.port} is already in use (another openase serve?): stop it, or choose another port with --port or OPENASE_PORT`,
              )
            : err,
        ),
      );
    });
    const port = (server.address() as AddressInfo).port;
    // A derived URL follows the port actually bound (port 0); a configured one is used as given.
    const url = config.publicUrlConfigured ? config.publicUrl : config.publicUrl.replace(/:(\d+)$/, `:${port}`);
    publicUrl = url;
    await ensureLocalCredentials(deps, config.home, url, boot.adminUserId, log);
    // Periodic work (timeouts, stalls, due retries) runs on one replica; dispatch reacts on all.
    leadership = await startLeaderElection(database, { log });
    const elected = leadership;
    const orchestrator = new Orchestrator(deps, fleet.hub, {
      platformUrl: url,
      isLeader: elected.isLeader,
      mergeBackends: [githubMergeBackend(deps)],
      chat: chatRuns,
      ...(config.chatIdleMinutes !== undefined ? { chatIdleMs: config.chatIdleMinutes * 60_000 } : {}),
    });
    fleet.hub.setAgentRuns(orchestrator.hooks);
    orchestrator.start();
    // Webhooks first; polling catches what they missed (integrations/github/poller.ts).
    const githubPoller = new GithubPoller(deps, {
      intervalMs: Number(process.env.OPENASE_GITHUB_POLL_SECONDS ?? 60) * 1000,
      isLeader: elected.isLeader,
    });
    githubPoller.start();
    const notifier = new Notifier(deps, {
      publicUrl: url,
      ...(process.env.OPENASE_NOTIFY_RETRY_BASE_MS
        ? { policy: { retryBaseMs: Number(process.env.OPENASE_NOTIFY_RETRY_BASE_MS) } }
        : {}),
    });
    fleet.hub.onMachineLost((m) => notifier.machineLost(m));
    notifier.start();
    // Scheduled jobs fire on the leader; the unique key of job_fires keeps them exactly-once anyway.
    const jobScheduler = new JobScheduler(deps, { isLeader: elected.isLeader });
    jobScheduler.start();
    const firstSignInUrl = boot.firstSignInCode ? `${url}/auth/signin?code=${boot.firstSignInCode}` : null;
    // The address bound, then the public URL when one is configured (a proxy's https://… is not where it listens).
    const bound = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const listening = config.publicUrlConfigured ? `${bound} for ${url}` : url;
    log.info(
      { url, listen: bound, version: VERSION },
      `OpenASE ${VERSION} listening on ${listening} (ready in ${Math.round(performance.now() - startedAt)} ms)`,
    );
    await fleet.afterListen(url, boot.orgId);
    if (firstSignInUrl)
      log.info(`first start: sign in as admin with this one-time link: ${firstSignInUrl} (valid 24 h)`);
    return {
      url,
      port,
      database,
      deps,
      firstSignInUrl,
      fleet,
      orchestrator,
      notifier,
      async close() {
        // Health answers 503 from now on: a proxy or orchestrator stops sending new work here.
        health.draining = true;
        // Each stage in turn; one that takes long is named in the log, so a shutdown that hangs says where.
        const stage = async (name: string, work: () => Promise<unknown>) => {
          const started = Date.now();
          const slow = setInterval(
            () => log.warn(`shutdown: still stopping ${name} after ${Math.round((Date.now() - started) / 1000)} s`),
            10_000,
          );
          try {
            await work();
          } finally {
            clearInterval(slow);
          }
        };
        await stage('the job scheduler', () => jobScheduler.stop());
        await stage('notifications', () => notifier.stop());
        await stage('GitHub polling', () => githubPoller.stop());
        await stage('the orchestrator', () => orchestrator.stop());
        await stage('the leader election', () => elected.stop());
        await stage('the fleet', () => fleet.stop());
        await stage(
          'the HTTP server',
          () =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        );
        await stage('the event relay', () => stopRelay());
        await stage('the database', () => database.close());
        await stopTracing?.();
      },
    };
  } catch (err) {
    await stopRelay();
    await database.close();
    await stopTracing?.();
    throw err;
  }
}

async function ensureLocalCredentials(
  deps: Deps,
  home: string,
  url: string,
  adminUserId: string,
  log: Logger,
): Promise<void> {
  const existing = readCredentials(home);
  if (existing) {
    const valid = await authenticateToken(deps, existing.token).then(
      () => true,
      () => false,
    );
    if (valid) {
      if (existing.url !== url) writeCredentials(home, { ...existing, url });
      return;
    }
  }
  const { token } = await issueToken(deps.db, deps, adminUserId, {
    name: 'local admin (credentials file)',
    scopes: ['read', 'write', 'admin'],
  });
  const file = writeCredentials(home, { url, token });
  log.info(`wrote a local admin API token to ${file} (mode 0600) for the openase CLI on this host`);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** The built console: OPENASE_WEB_DIST, or web/dist of this release (db/release-files.ts). */
function findWebDist(): string | null {
  if (process.env.OPENASE_WEB_DIST) return process.env.OPENASE_WEB_DIST;
  const dir = releaseFile('webDist');
  return dir && fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}
