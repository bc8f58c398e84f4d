import { resolveServerConfig } from '../../server/config.js';
import { startServer } from '../../server/serve.js';
import { stringOption, type Command } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the control plane (API, web console, embedded database)',
  usage:
    'openase serve [--port 19836] [--host 0.0.0.0] [--data-dir ~/.openase] [--database-url postgres://…] [--chat-idle-minutes 60]',
  details: [
    'Environment: OPENASE_PORT, OPENASE_HOST, OPENASE_HOME (same as --data-dir), DATABASE_URL (real PostgreSQL;',
    'unset = embedded PGlite in <data-dir>/data), OPENASE_PUBLIC_URL (base URL printed in links).',
  ].join('\n'),
  options: {
    port: { type: 'string', description: 'HTTP port (default 19836; 0 = any free port)' },
    host: { type: 'string', description: 'interface to listen on (default 0.0.0.0)' },
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
        port: stringOption(args.values.port),
        host: stringOption(args.values.host),
        dataDir: stringOption(args.values['data-dir']),
        databaseUrl: stringOption(args.values['database-url']),
        chatIdleMinutes: stringOption(args.values['chat-idle-minutes']),
        ...(args.values['no-local-machine'] ? { localMachine: false } : {}),
        ...(args.values['local-unconfined'] ? { localUnconfined: true } : {}),
      },
      io.env,
    );
    const server = await startServer(config);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.deps.log.info(`received ${signal}; shutting down`);
        server.close().then(resolve, (err) => {
          server.deps.log.error({ err }, `shutdown failed: ${(err as Error).message}`);
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};
