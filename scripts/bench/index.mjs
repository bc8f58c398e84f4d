// `npm run bench`: the performance suite (docs/performance.md). Runs each scenario against real
// `openase serve` processes on the embedded database and on PostgreSQL (scratch databases on
// BENCH_DATABASE_URL, TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test when reachable),
// prints a Markdown table (figure | target | pass/fail), writes bench/results/<date>.json. Exits 0
// when a target is missed (the table says which); 1 only when the suite itself could not run.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAgentBuilt, ensureBuilt, ensureInstalled, ensureWebBuilt, root } from '../lib/bootstrap.mjs';
import { TARGETS, rowsFor } from './targets.mjs';

const HELP = `npm run bench [-- options]
  --only LIST         scenarios, comma-separated: dispatch, dispatch-busy, ingest, fleet, daemon,
                      cold-start, cli, board, diff, notify, flood, replicas, kill-restart, ceiling
                      (default: all; ingest brings ceiling along: its figure is a share of it)
  --db LIST           pglite, postgres (default: both; postgres only when reachable)
  --tickets N         dispatch: tickets moved one by one (default 1000)
  --board-tickets N   board: tickets on the board (default 5000)
  --pairs N           cli: pairs of \`node -e 0\` and \`openase ticket show\` (default 7)
  --busy N            dispatch-busy: machines kept busy by another project (default 100)
  --busy-tickets N    dispatch-busy: tickets moved one by one (default 300)
  --runs N            ingest: concurrent runs (default 200)
  --rate N            ingest: events/s emitted per run at the first step (default 150; raised ×1.5 per
                      step until the control plane saturates)
  --machines N        fleet: simulated daemons (default 1000)
  --fleet-runs N      fleet: runs in flight among them (default 100)
  --replica-tickets N replicas: tickets dispatched by two control planes (default 1000)
  --notify-tickets N  notify: tickets moved to In Review, one webhook each (default 100)
  --cycles N          kill-restart: SIGKILL + restart cycles of daemon or control plane (default 100)
  --seed N            kill-restart: seed of the random kill sequence (default 1)
  --window S          measuring window of ingest and fleet, seconds (default 15)
  --budget S          time budget of each dispatch scenario, seconds (default 120)
  --out FILE          results file (default bench/results/<date>.json)`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    db: { type: 'string', default: 'pglite,postgres' },
    tickets: { type: 'string', default: '1000' },
    'board-tickets': { type: 'string', default: '5000' },
    pairs: { type: 'string', default: '7' },
    busy: { type: 'string', default: '100' },
    'busy-tickets': { type: 'string', default: '300' },
    runs: { type: 'string', default: '200' },
    rate: { type: 'string', default: '150' },
    machines: { type: 'string', default: '1000' },
    'fleet-runs': { type: 'string', default: '100' },
    'replica-tickets': { type: 'string', default: '1000' },
    'notify-tickets': { type: 'string', default: '100' },
    cycles: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    window: { type: 'string', default: '15' },
    budget: { type: 'string', default: '120' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return n;
};
const ALL = [
  'dispatch',
  'dispatch-busy',
  'ingest',
  'fleet',
  'daemon',
  'cold-start',
  'cli',
  'board',
  'diff',
  'notify',
  'flood',
  'replicas',
  'kill-restart',
  'ceiling',
];
const only = values.only ? values.only.split(',').map((s) => s.trim()) : ALL;
// The ingest figure is a share of the database's ceiling measured in the same run.
if (only.includes('ingest') && !only.includes('ceiling')) only.push('ceiling');
for (const s of only)
  if (!ALL.includes(s)) {
    console.error(`unknown scenario ${s}; one of ${ALL.join(', ')}`);
    process.exit(2);
  }

ensureInstalled();
ensureBuilt();
ensureAgentBuilt();
if (only.includes('board') || only.includes('diff')) ensureWebBuilt();
// Loaded only now: it needs the dependencies (ws, postgres) that a fresh clone has just installed.
const { log, machineLoad, postgresReachable, round, scratchDatabase } = await import('./lib.mjs');

const baseUrl =
  process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const wanted = values.db.split(',').map((s) => s.trim());
const pgOk = wanted.includes('postgres') && (await postgresReachable(baseUrl));
if (wanted.includes('postgres') && !pgOk)
  log(`PostgreSQL is not reachable at ${baseUrl}: PostgreSQL figures are skipped`);
const kinds = [...(wanted.includes('pglite') ? ['pglite'] : []), ...(pgOk ? ['postgres'] : [])];

const machine = {
  cores: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
let commit = null;
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8' }).trim();
} catch {
  /* not a checkout */
}
const results = { startedAt: new Date().toISOString(), commit, machine, loadBefore: machineLoad(), scenarios: {} };
log(
  `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB; load average ${results.loadBefore.loadavg.join(' ')}`,
);

/** Runs one scenario on one database kind (PostgreSQL: a scratch database, dropped after). */
async function run(name, kind, fn) {
  const key = kind ? `${name}@${kind}` : name;
  log(`── ${key}`);
  const started = Date.now();
  let db = null;
  try {
    if (kind === 'postgres') db = await scratchDatabase(baseUrl);
    const value = await fn(db);
    results.scenarios[key] = {
      ...value,
      seconds: round((Date.now() - started) / 1000, 0),
      loadavg: machineLoad().loadavg,
    };
  } catch (err) {
    log(`${key} failed: ${err.stack ?? err}`);
    results.scenarios[key] = {
      error: String(err.message ?? err).slice(0, 2000),
      seconds: round((Date.now() - started) / 1000, 0),
    };
  } finally {
    await db?.drop();
  }
}

/**
 * Runs a scenario that takes `databaseUrl` on every database kind asked for (null: the embedded one), with the
 * options `options()` reads from the command line.
 */
async function onEveryKind(name, scenario, options) {
  for (const kind of kinds) await run(name, kind, (db) => scenario({ databaseUrl: db?.url ?? null, ...options() }));
}

const scenarios = {
  dispatch: async () => {
    const { dispatchLatency } = await import('./scenarios/dispatch.mjs');
    await onEveryKind('dispatch', dispatchLatency, () => ({ tickets: num('tickets'), budgetMs: num('budget') * 1000 }));
  },
  'dispatch-busy': async () => {
    const { dispatchLatency } = await import('./scenarios/dispatch.mjs');
    await onEveryKind('dispatch-busy', dispatchLatency, () => ({
      tickets: num('busy-tickets'),
      busy: num('busy'),
      budgetMs: num('budget') * 1000,
    }));
  },
  ingest: async () => {
    const { eventIngest } = await import('./scenarios/ingest.mjs');
    await onEveryKind('ingest', eventIngest, () => ({
      runs: num('runs'),
      rate: num('rate'),
      windowMs: num('window') * 1000,
    }));
  },
  fleet: async () => {
    const { fleetScale } = await import('./scenarios/fleet-scale.mjs');
    await onEveryKind('fleet', fleetScale, () => ({
      machines: num('machines'),
      runs: num('fleet-runs'),
      windowMs: num('window') * 1000,
    }));
  },
  daemon: async () => {
    const { daemonFootprint } = await import('./scenarios/daemon-footprint.mjs');
    await run('daemon', null, () => daemonFootprint({}));
  },
  'cold-start': async () => {
    const { coldStart } = await import('./scenarios/cold-start.mjs');
    for (const kind of kinds)
      await run('cold-start', kind, () =>
        coldStart({ database: kind === 'postgres' ? () => scratchDatabase(baseUrl) : async () => null }),
      );
  },
  cli: async () => {
    // The CLI's own start dominates; one backend is enough (PostgreSQL when reachable: a fresh server starts faster).
    const { cliStart } = await import('./scenarios/cli-start.mjs');
    const kind = kinds.includes('postgres') ? 'postgres' : 'pglite';
    await run('cli', kind, (db) => cliStart({ databaseUrl: db?.url ?? null, pairs: num('pairs') }));
  },
  board: async () => {
    const { boardLoad } = await import('./scenarios/board.mjs');
    await run('board', 'pglite', () => boardLoad({ tickets: num('board-tickets'), runs: 3 }));
  },
  diff: async () => {
    const { diffRender } = await import('./scenarios/diff.mjs');
    await run('diff', 'pglite', () => diffRender({ runs: 5 }));
  },
  notify: async () => {
    const { notifyLatency } = await import('./scenarios/notify.mjs');
    await onEveryKind('notify', notifyLatency, () => ({ tickets: num('notify-tickets') }));
  },
  flood: async () => {
    // /api/health touches no database: one backend is enough.
    const { floodHealth } = await import('./scenarios/flood.mjs');
    await run('flood', 'pglite', () => floodHealth({}));
  },
  replicas: async () => {
    if (!pgOk) return log('replicas: needs PostgreSQL, skipped');
    const { twoReplicas } = await import('./scenarios/replicas.mjs');
    await run('replicas', 'postgres', (db) =>
      twoReplicas({ database: db, tickets: num('replica-tickets'), budgetMs: num('budget') * 1000 }),
    );
  },
  'kill-restart': async () => {
    const { killRestartCycles } = await import('./scenarios/kill-restart.mjs');
    // One database: the cycles exercise the daemon's spool and the control plane's idempotent
    // ingest, which do not depend on it; PostgreSQL when reachable (a PGlite restart is slower).
    const kind = kinds.includes('postgres') ? 'postgres' : 'pglite';
    await run('kill-restart', kind, (db) =>
      killRestartCycles({ databaseUrl: db?.url ?? null, cycles: num('cycles'), seed: num('seed') }),
    );
  },
  ceiling: async () => {
    if (!pgOk) return log('ceiling: needs PostgreSQL, skipped');
    const { databaseCeiling } = await import('./ceiling.mjs');
    await run('ceiling', 'postgres', (db) => databaseCeiling({ database: db }));
  },
};

const out = values.out ?? path.join(root, 'bench', 'results', `${results.startedAt.slice(0, 10)}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
const save = () =>
  fs.writeFileSync(out, JSON.stringify({ ...results, rows: rowsFor(results.scenarios) }, null, 2) + '\n');
// Saved after every scenario, so an interrupted suite keeps what it measured.
for (const name of ALL) {
  if (!only.includes(name)) continue;
  await scenarios[name]();
  save();
}
results.finishedAt = new Date().toISOString();
results.loadAfter = machineLoad();
results.rows = rowsFor(results.scenarios);
save();

console.log(`\n## OpenASE benchmarks ${results.startedAt} (${commit ?? 'no commit'})\n`);
console.log(
  `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}. Load average before ${results.loadBefore.loadavg.join(' ')}, after ${results.loadAfter.loadavg.join(' ')} (shared machine).\n`,
);
console.log('| figure | db | measured | baseline (same run) | ratio | target | result |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results.rows)
  console.log(
    `| ${r.figure} | ${r.db ?? '—'} | ${r.measured} | ${r.baseline ?? '—'} | ${r.ratio === null ? '—' : `${r.ratio}×`} | ${r.target ?? '—'} | ${r.pass === null ? 'info' : r.pass ? 'pass' : '**MISS**'} |`,
  );
console.log(`\nResults: ${path.relative(process.cwd(), out)}; targets: ${TARGETS}`);
process.exit(0);
