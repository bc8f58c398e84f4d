// Scenario: CLI wall time. `openase ticket show` against a warm server, timed pair by pair with
// `node -e 0` (the same-run baseline: what starting Node alone costs on this machine right now), so
// a busy machine slows both halves of each pair. Peak RSS of the CLI from /usr/bin/time when present.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { bundlePath } from '../../lib/bootstrap.mjs';
import { benchProject, createTickets, now, round, startServer, summary } from '../lib.mjs';

const TIME = '/usr/bin/time';

/** Wall time (ms) and, with /usr/bin/time, peak RSS (KiB) of one process; rejects on a non-zero exit. */
function timed(args, env) {
  const withTime = fs.existsSync(TIME);
  const [cmd, ...rest] = withTime ? [TIME, '-f', '%M', process.execPath, ...args] : [process.execPath, ...args];
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(cmd, rest, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      const ms = now() - started;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${err.slice(-500)}`));
      const kib = withTime ? Number(/(\d+)\s*$/.exec(err)?.[1]) : NaN;
      resolve({ ms, kib });
    });
  });
}

export async function cliStart({ databaseUrl = null, pairs = 7 }) {
  const server = await startServer({ databaseUrl });
  try {
    await benchProject(server, { slug: 'cli', prefix: 'CLI' });
    const [ticket] = await createTickets(server, 'cli', 1);
    const env = { ...process.env, OPENASE_URL: server.url, OPENASE_TOKEN: server.token, OPENASE_PROJECT: '' };
    await timed([bundlePath, 'ticket', 'show', ticket], env); // warm: the server's first request, the file cache
    const node = [];
    const cli = [];
    const version = [];
    const rss = [];
    for (let i = 0; i < pairs; i++) {
      node.push((await timed(['-e', '0'], env)).ms);
      // The CLI's own start (no request): what `ticket show` costs beyond it is the API call.
      version.push((await timed([bundlePath, '--version'], env)).ms);
      const run = await timed([bundlePath, 'ticket', 'show', ticket], env);
      cli.push(run.ms);
      if (Number.isFinite(run.kib)) rss.push(run.kib / 1024);
    }
    return {
      pairs,
      nodeMs: summary(node),
      cliMs: summary(cli),
      versionMs: summary(version),
      cliPeakRssMiB: rss.length ? round(Math.max(...rss)) : null,
      bundleKiB: round(fs.statSync(bundlePath).size / 1024, 0),
    };
  } finally {
    await server.stop();
  }
}
