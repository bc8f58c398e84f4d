import { resolveServerConfig } from '../../server/config.js';
import { JSON_OPTION, type Command } from '../command.js';
import { serverPlace } from './serve.js';
import { printJson } from '../output.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check this host for running the control plane (Node, release files, data dir, database, sandbox, port)',
  args: [],
  usage: '[--port 19836] [--host H] [--data-dir DIR] [--database-url URL] [--json]',
  details: 'Exit code 1 when a check fails; warnings say what will not work and how to fix it.',
  options: {
    port: { type: 'string', description: 'the port `openase serve` will use (default 19836 or OPENASE_PORT)' },
    host: { type: 'string', description: 'the interface it will listen on' },
    'data-dir': { type: 'string', value: 'DIR', description: 'the data dir (default OPENASE_HOME or ~/.openase)' },
    'database-url': { type: 'string', value: 'URL', description: 'PostgreSQL (default DATABASE_URL)' },
    ...JSON_OPTION,
  },
  async run(args, io) {
    const config = resolveServerConfig(serverPlace(args), io.env);
    const { runDoctor } = await import('../../server/doctor.js');
    const checks = await runDoctor(config, io.env);
    const failed = checks.some((c) => c.status === 'fail');
    if (args.values.json) printJson(io, { ok: !failed, checks });
    else {
      // Not a table: details are sentences with paths, never cut.
      const width = Math.max(...checks.map((c) => c.check.length));
      for (const c of checks) io.out(`${c.status.padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}`);
      const warned = checks.filter((c) => c.status === 'warn').length;
      io.out(
        failed ? 'some checks failed: fix them before starting the server' : `ready to serve (${warned} warning(s))`,
      );
    }
    return failed ? 1 : 0;
  },
};
