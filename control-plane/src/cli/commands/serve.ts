import { resolveServerConfig } from '../../server/config.js';
import { stringOption, type Command, type ParsedArgs } from '../command.js';

/** Where the server listens and keeps its data: the flags `openase serve` and `openase doctor` share. */
export function serverPlace(args: ParsedArgs) {
  return {
    port: stringOption(args.values.port),
    host: stringOption(args.values.host),
    dataDir: stringOption(args.values['data-dir']),
    databaseUrl: stringOption(args.values['database-url']),
  };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the control plane (API, web console, embedded database)',
  args: [],
  usage:
    '[--port 19836] [--host 127.0.0.1] [--public-url URL] [--trust-proxy] [--data-dir ~/.openase] [--database-url postgres://…] [--chat-idle-minutes 60]',
  details: [
    'Environment: OPENASE_PORT, OPENASE_HOST, OPENASE_HOME (same as --data-dir), DATABASE_URL (real PostgreSQL;',
    'unset = embedded PGlite in <data-dir>/data), OPENASE_PUBLIC_URL (same as --public-url), OPENASE_TRUST_PROXY=1,',
    'OPENASE_RATE_LIMIT (API requests per second per credential: N, N/BURST or off; default 300/3000),',
    'OPENASE_HEAP_GROWING_PERCENT (how far the heap grows between collections; default 30, 0 = V8’s own).',
    'Operating: OPENASE_LOG_LEVEL (debug|info|warn|error), OPENASE_LOG_FORMAT (json|pretty), OPENASE_METRICS_TOKEN',
    'or OPENASE_METRICS_TOKEN_FILE (turns on /metrics), OPENASE_SHUTDOWN_TIMEOUT_MS (default 25000),',
    'OPENASE_TRACING=1 (OpenTelemetry traces); the rest, and what each does: docs/operations.md.',
    'By default only this host can connect; --host 0.0.0.0 lets build boxes and browsers elsewhere in.',
  ].join('\n'),
  options: {
    port: { type: 'string', description: 'HTTP port (default 19836; 0 = any free port)' },
    host: {
      type: 'string',
      description: 'interface to listen on (default 127.0.0.1, this host only; 0.0.0.0 = every interface)',
    },
    'public-url': {
      type: 'string',
      value: 'URL',
      description: 'the URL people and machines reach this server at (links, the install script)',
    },
    'trust-proxy': {
      type: 'boolean',
      description: 'behind a TLS reverse proxy: trust its X-Forwarded-Proto/-For (Secure cookies, client IPs)',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'state folder: embedded database, credentials (default ~/.openase)',
    },
    'database-url': { type: 'string', value: 'URL', description: 'PostgreSQL URL instead of the embedded database' },
    'no-local-machine': {
      type: 'boolean',
      description: 'do not register this host as machine `local` (env OPENASE_LOCAL_MACHINE=0)',
    },
    'local-unconfined': {
      type: 'boolean',
      description:
        'run machine `local` without a sandbox when bubblewrap is missing: its agents can then read this server’s keys (env OPENASE_LOCAL_UNCONFINED=1)',
    },
    'new-secret-key': {
      type: 'boolean',
      description:
        'the database’s secret.key is lost: take this data dir’s key from now on (secrets stored under the old one stay unreadable until set again)',
    },
    'chat-idle-minutes': {
      type: 'string',
      value: 'N',
      description:
        'close Project AI conversations after N minutes without a message, freeing their machine slot (default 60; 0 = never; env OPENASE_CHAT_IDLE_MINUTES)',
    },
  },
  async run(args, io) {
    const config = resolveServerConfig(
      {
        ...serverPlace(args),
        chatIdleMinutes: stringOption(args.values['chat-idle-minutes']),
        publicUrl: stringOption(args.values['public-url']),
        ...(args.values['trust-proxy'] ? { trustProxy: true } : {}),
        ...(args.values['no-local-machine'] ? { localMachine: false } : {}),
        ...(args.values['local-unconfined'] ? { localUnconfined: true } : {}),
        ...(args.values['new-secret-key'] ? { newSecretKey: true } : {}),
      },
      io.env,
    );
    // The server is loaded only here: client commands start without it (cli bundle split, build.mjs).
    const { startServer } = await import('../../server/serve.js');
    (await import('../../server/heap-policy.js')).applyHeapPolicy(io.env);
    // Signals are taken from before the server starts: one that comes while it starts (a SIGTERM right after
    // "listening on", before this line's next step) stops it once started, instead of killing it mid-start.
    type Server = Awaited<ReturnType<typeof startServer>>;
    const started: { server?: Server } = {};
    let signal: string | undefined;
    let finished!: () => void;
    const stopped = new Promise<void>((resolve) => (finished = resolve));
    const shutDown = (running: Server) => {
      running.deps.log.info(`received ${signal}; shutting down`);
      running.close().then(
        () => {
          running.deps.log.info('stopped');
          exitWhenIdle(running.deps.log);
          finished();
        },
        (err) => {
          running.deps.log.error({ err }, `shutdown failed: ${(err as Error).message}`);
          finished();
        },
      );
    };
    const stop = (name: string) => {
      if (signal) return;
      signal = name;
      // A shutdown is bounded: a stage that hangs (the log names it) must not hold a rolling restart, nor a
      // start that hangs a stop. What was in flight is recovered as after a crash (runs re-offered, daemons
      // resend unacked events).
      const limitMs = Number(io.env.OPENASE_SHUTDOWN_TIMEOUT_MS) || 25_000;
      setTimeout(() => {
        const message = `shutdown did not finish in ${limitMs / 1000} s; exiting now`;
        if (started.server) started.server.deps.log.error(message);
        else io.err(`[openase] ${message}`);
        process.exit(1);
      }, limitMs).unref();
      if (started.server) shutDown(started.server);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    started.server = await startServer(config);
    if (signal) shutDown(started.server);
    await stopped;
  },
};

/**
 * Every stage has stopped: whatever still holds the event loop now (a timer or socket a request left behind
 * while the server was closing) would only keep a finished process alive until the shutdown deadline. Name it,
 * so the leak can be found, and exit. A process that holds nothing exits by itself first (the timer is unref'd).
 */
function exitWhenIdle(log: { warn(msg: string): void }, graceMs = 2000): void {
  setTimeout(() => {
    const held = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
    log.warn(`stopped, but the process was still held by: ${held.join(', ') || 'nothing named'}; exiting`);
    process.exit(process.exitCode ?? 0);
  }, graceMs).unref();
}
