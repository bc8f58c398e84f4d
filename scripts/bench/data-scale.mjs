// Data at scale (issue 21, docs/performance.md): the board, `openase ticket list`, `openase ticket why` and a long
// transcript's last 1,000 events, timed on PostgreSQL with small data and with big data, and their plans.
//
//   node scripts/bench/data-scale.mjs [--projects 20] [--tickets 10000] [--events 1000000] [--repeat 7]
//   node scripts/bench/data-scale.mjs --projects 200 --tickets 100000 --events 10000000     # the size
//
// Each data set gets a scratch database (BENCH_DATABASE_URL, TEST_DATABASE_URL or the local test server) and a real
// `openase serve` on it. Projects are made through the API (statuses, agent, workflow as in the dispatch bench), then
// filled by scripts/bench/big-data.mjs. "Small" is one project of the same size as each big project (its board is the
// same), its runs and a 1,000-event transcript; "large" is every project, every event and a `--long-run` transcript.
// Measured against the first project in both, so a figure that grows shows a query that reads more than it shows.
// Dispatch is then timed on the same database by the dispatch scenario (`--dispatch-tickets` moves into a pickup
// status, each waiting for its offer, with a control plane of its own). Prints a table (median ms, small → large,
// ratio; the target is ≤ 2×; dispatch p99 too), writes the JSON (--out) and, with
// --plans FILE, the EXPLAIN (ANALYZE, BUFFERS) of each hot statement on the large data.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundlePath, ensureBuilt, ensureInstalled, root } from '../lib/bootstrap.mjs';
import { planStatements } from './data-scale-plans.mjs';

const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '20' },
    tickets: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
    'events-per-run': { type: 'string', default: '1000' },
    'long-run': { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '7' },
    'dispatch-tickets': { type: 'string', default: '200' },
    only: { type: 'string', default: 'small,large' },
    out: { type: 'string' },
    plans: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    fs
      .readFileSync(new URL(import.meta.url), 'utf8')
      .split('\nimport ')[0]
      .replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
ensureInstalled();
ensureBuilt();
const { log, now, postgres, round, scratchDatabase, startServer, summary, trpc } = await import('./lib.mjs');
const { fillBigData } = await import('./big-data.mjs');
const { dispatchLatency } = await import('./scenarios/dispatch.mjs');

const projects = Number(values.projects);
const perProject = Math.floor(Number(values.tickets) / projects);
const events = Number(values.events);
const perRun = Number(values['events-per-run']);
const longRun = Number(values['long-run']);
const repeat = Number(values.repeat);
const baseUrl =
  process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const DATA = {
  // One project like each big one, a tenth of its tickets run, and a transcript of 1,000 events.
  small: { projects: 1, events: Math.ceil(perProject / 10) * perRun, longRun: perRun },
  large: { projects, events, longRun },
};

/** Wall time (ms) of one CLI command against the server; rejects on a non-zero exit. */
function cli(server, args) {
  const env = { ...process.env, OPENASE_URL: server.url, OPENASE_TOKEN: server.token, OPENASE_PROJECT: '' };
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, [bundlePath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('exit', (code) =>
      code === 0 ? resolve({ ms: now() - started, out }) : reject(new Error(`openase ${args.join(' ')}: ${out}`)),
    );
  });
}

async function timedMedian(fn) {
  await fn(); // warm: plan cache, connection, file cache
  const ms = [];
  for (let i = 0; i < repeat; i++) {
    const started = now();
    await fn();
    ms.push(now() - started);
  }
  return summary(ms);
}

async function measure(kind) {
  const spec = DATA[kind];
  const db = await scratchDatabase(baseUrl);
  const server = await startServer({ databaseUrl: db.url });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const call = (procedure, input, how = 'query') => trpc(server.url, server.token, procedure, input, how);
    const slugs = [];
    for (let p = 1; p <= spec.projects; p++) {
      const slug = `big-${p}`;
      await call('projects.create', { name: slug, ticketPrefix: `B${p}` }, 'mutation');
      await call(
        'agents.create',
        { project: slug, name: 'bench', adapter: 'custom', command: '/bin/true' },
        'mutation',
      );
      await call('workflows.create', { project: slug, template: 'full-stack', agent: 'bench' }, 'mutation');
      slugs.push(slug);
    }
    const ids = (await sql`select id from projects where slug = any(${slugs}) order by created_at`).map((r) => r.id);
    const started = now();
    const filled = await fillBigData((text) => sql.unsafe(text), {
      projectIds: ids,
      ticketsPerProject: perProject,
      events: spec.events,
      eventsPerRun: perRun,
      longRun: spec.longRun,
      log: (line) => log(`${kind}: ${line}`),
    });
    await sql.unsafe('vacuum analyze');
    const fillSeconds = round((now() - started) / 1000);
    log(`${kind}: filled and analyzed in ${fillSeconds} s`);
    const [size] = await sql`select pg_database_size(current_database()) as bytes`;

    // The first project's board, a ticket on it that ran, and the long transcript.
    const slug = slugs[0];
    const [ran] = await sql`select t.identifier, r.id as run from tickets t join runs r on r.ticket_id = t.id
      where t.project_id = ${ids[0]} order by r.stored_seq desc limit 1`;
    const [first] = await sql`select identifier from tickets where project_id = ${ids[0]} order by number limit 1`;
    // What the console's board store loads: every page of the tickets and the project's active runs, together.
    const allPages = async (procedure, input) => {
      const items = [];
      let cursor;
      do {
        const page = await call(procedure, { ...input, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    };
    const board = async () => {
      const [cards] = await Promise.all([
        allPages('tickets.list', { project: slug, limit: 5000 }),
        allPages('runs.list', { projectId: ids[0], active: true, limit: 500 }),
      ]);
      if (cards.length !== perProject) throw new Error(`the board showed ${cards.length} of ${perProject} tickets`);
    };
    const tail = async () => {
      const page = await call('runs.events', { run: ran.run, beforeSeq: 2 ** 31 - 1, limit: 1000 });
      if (page.length !== 1000) throw new Error(`the transcript's last page had ${page.length} events`);
    };
    const figures = {
      board: await timedMedian(board),
      ticketListApi: await timedMedian(() => call('tickets.list', { project: slug })),
      ticketListCli: await timedMedian(() => cli(server, ['ticket', 'list', '--project', slug])),
      ticketWhyApi: await timedMedian(() => call('tickets.why', { ticket: ran.identifier })),
      ticketWhyCli: await timedMedian(() => cli(server, ['ticket', 'why', first.identifier])),
      transcriptLast1000: await timedMedian(tail),
      runsPage: await timedMedian(() => call('runs.list', {})),
      transcriptFirst1000: await timedMedian(() => call('runs.events', { run: ran.run, limit: 1000 })),
    };
    const plans =
      kind === 'large' && values.plans ? await planStatements(sql, { projectId: ids[0], runId: ran.run }) : null;
    // Dispatch on this data: a control plane of the scenario's own (this one stopped, so it alone claims).
    await server.stop();
    const dispatch = await dispatchLatency({
      databaseUrl: db.url,
      tickets: Number(values['dispatch-tickets']),
      budgetMs: 180_000,
    });
    log(`${kind}: dispatch of ${dispatch.tickets} tickets, move → offer p50 ${dispatch.moveToOfferMs.p50} ms`);
    figures.dispatch = dispatch.moveToOfferMs;
    return {
      kind,
      ...spec,
      ticketsPerProject: perProject,
      filled,
      fillSeconds,
      dbMiB: round(size.bytes / 2 ** 20),
      figures,
      plans,
    };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
    await server.stop();
    await db.drop();
  }
}

const results = {};
for (const kind of values.only.split(',')) results[kind] = await measure(kind);
const rows = Object.keys(results.small?.figures ?? results.large?.figures ?? {});
console.log(`\n| figure (median ms of ${repeat}) | small | large | ratio (target ≤ 2×) |\n|---|---|---|---|`);
const row = (name, stat) => {
  const s = results.small?.figures[name]?.[stat];
  const l = results.large?.figures[name]?.[stat];
  const ratio = s && l ? round(l / s, 2) : null;
  const label = stat === 'p50' ? name : `${name} ${stat}`;
  console.log(
    `| ${label} | ${s ?? '—'} | ${l ?? '—'} | ${ratio ?? '—'}${ratio !== null && ratio > 2 ? ' **MISS**' : ''} |`,
  );
};
for (const name of rows) row(name, 'p50');
row('dispatch', 'p99');
for (const r of Object.values(results))
  console.log(
    `${r.kind}: ${r.projects} projects × ${r.ticketsPerProject} tickets, ${r.filled.runs} runs, ${r.filled.events} events ` +
      `(longest ${r.longRun}), ${r.dbMiB} MiB, filled in ${r.fillSeconds} s`,
  );
if (values.plans && results.large?.plans) {
  fs.writeFileSync(values.plans, results.large.plans.map((p) => `-- ${p.name}\n${p.plan}\n`).join('\n'));
  log(`plans written to ${values.plans}`);
}
const out =
  values.out ?? path.join(root, 'bench', 'results', `data-scale-${new Date().toISOString().slice(0, 10)}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), repeat, results }, null, 2));
log(`results written to ${out}`);
