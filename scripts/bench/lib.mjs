// Shared pieces of the benchmark scenarios: the control plane as a real `openase serve` process,
// scratch PostgreSQL databases, a project whose tickets the fleet simulator can work, process
// CPU/RSS from /proc, percentiles.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentBundlePath, bundlePath } from '../lib/bootstrap.mjs';
import { createScratchPostgres, postgres } from '../lib/scratch-postgres.mjs';
import { trpc } from '../fleet-sim/fleet.mjs';
import { shareSecretKey } from '../lib/shared-secret-key.mjs';

export { trpc };

export const now = () => performance.timeOrigin + performance.now();
export const log = (line) => process.stderr.write(`[bench] ${line}\n`);

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openase-bench-${prefix}-`));
}

/** `openase serve` on port 0 with a fresh data dir; resolves when it listens and wrote its credentials. */
export async function startServer({
  databaseUrl = null,
  env = {},
  home = tempDir('cp'),
  localMachine = false,
  port = 0,
} = {}) {
  if (databaseUrl) shareSecretKey(home);
  const args = [bundlePath, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', home];
  if (!localMachine) args.push('--no-local-machine');
  const started = now();
  // BENCH_SERVER_NODE_ARGS reaches only the control planes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { child, pid: child.pid, home, output: '', url: null, token: null, listeningMs: 0 };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  server.stop = async ({ keepHome = false } = {}) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // A profiled server (--cpu-prof) writes its profile only when it exits on its own: BENCH_SERVER_STOP_MS waits
    // longer.
    const timer = setTimeout(() => child.kill('SIGKILL'), Number(process.env.BENCH_SERVER_STOP_MS ?? 10_000));
    await exited;
    clearTimeout(timer);
    if (!keepHome) fs.rmSync(home, { recursive: true, force: true });
  };
  // BENCH_SERVER_LOG=FILE appends every server's output there (to see what a scenario did).
  const logFile = process.env.BENCH_SERVER_LOG ? fs.openSync(process.env.BENCH_SERVER_LOG, 'a') : null;
  const onData = (chunk) => {
    if (logFile !== null) fs.writeSync(logFile, chunk);
    server.output = (server.output + chunk).slice(-20_000);
    const listening = /listening on (http:\/\/\S+)/.exec(server.output);
    if (listening && !server.url) {
      server.url = listening[1];
      server.listeningMs = now() - started;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let dead = false;
  void exited.then(() => (dead = true));
  const ready = await until(
    () => {
      if (dead) throw new Error(`the control plane exited:\n${server.output}`);
      if (!server.url || !fs.existsSync(path.join(home, 'credentials'))) return null;
      return /oat_[A-Za-z0-9_-]+/.exec(fs.readFileSync(path.join(home, 'credentials'), 'utf8'))?.[0];
    },
    60_000,
    10,
  );
  if (!ready) {
    await server.stop();
    throw new Error(`the control plane did not start within 60 s:\n${server.output}`);
  }
  server.token = ready;
  return server;
}

/** `openase-agent join` of the real daemon bundle to `server` with a fresh join token, as machine `name` in `home`. */
export async function joinDaemon(server, { name, home, slots }) {
  const { token } = await trpc(server.url, server.token, 'machines.createJoinToken', {});
  const join = spawnSync(
    process.execPath,
    [agentBundlePath, 'join', server.url, token, '--name', name, '--home', home, '--slots', String(slots)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (join.status !== 0) throw new Error(`join failed: ${join.stderr}`);
}

/**
 * A scratch database on the PostgreSQL at `baseUrl` (scripts/lib/scratch-postgres.mjs), with a client factory; a failed
 * drop is ignored.
 */
export async function scratchDatabase(baseUrl) {
  const scratch = await createScratchPostgres(baseUrl, 'bench');
  return {
    url: scratch.url,
    sql: () => postgres(scratch.url, { max: 2, onnotice: () => {} }),
    drop: () => scratch.drop().catch(() => {}),
  };
}

/** Is PostgreSQL reachable at this URL? */
export async function postgresReachable(baseUrl) {
  if (!baseUrl) return false;
  const sql = postgres(baseUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export { postgres };

/**
 * A project the simulated fleet can work: an agent whose CLI is `bench-agent` (the simulator
 * reports it in its inventory) and the full-stack workflow (pickup Todo, finish In Review).
 */
export async function benchProject(server, { slug, prefix, maxConcurrentRuns } = {}) {
  const { url, token } = server;
  await trpc(url, token, 'projects.create', {
    name: slug,
    ticketPrefix: prefix,
    ...(maxConcurrentRuns ? { maxConcurrentRuns } : {}),
  });
  await trpc(url, token, 'agents.create', {
    project: slug,
    name: 'bench',
    adapter: 'custom',
    command: '/usr/bin/bench-agent',
  });
  await trpc(url, token, 'workflows.create', { project: slug, template: 'full-stack', agent: 'bench' });
  return { slug };
}

/** Creates `count` tickets (in `status`), `concurrency` requests at a time; returns their identifiers in order. */
export async function createTickets(server, slug, count, { status = 'Backlog', concurrency = 20 } = {}) {
  const ids = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t = await trpc(server.url, server.token, 'tickets.create', {
          project: slug,
          title: `Bench ticket ${i + 1}`,
          status,
        });
        ids[i] = t.identifier;
      }
    }),
  );
  return ids;
}

/** CPU time (s) and RSS (bytes) of a process, from /proc. */
export function procSample(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rss: rssKb * 1024, peakRss: hwmKb * 1024, at: now() };
}

/** Samples a process every `everyMs` for `ms`; returns mean CPU (cores) and max RSS. */
export async function watchProcess(pid, ms, everyMs = 1000) {
  const first = procSample(pid);
  let maxRss = first.rss;
  const end = now() + ms;
  while (now() < end) {
    await sleep(Math.min(everyMs, Math.max(0, end - now())));
    maxRss = Math.max(maxRss, procSample(pid).rss);
  }
  const last = procSample(pid);
  return { cpuCores: (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1000), maxRss, rss: last.rss };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then returns null). */
export async function until(probe, timeoutMs, everyMs = 50) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (now() > deadline) return null;
    await sleep(everyMs);
  }
}

export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summary(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(percentile(values, 100)),
  };
}

export const round = (x, digits = 1) =>
  x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits;
export const mib = (bytes) => round(bytes / 1024 / 1024);

/** Load average and CPU idle share over `ms` (other engineers share the machine). */
export function machineLoad() {
  return { loadavg: os.loadavg().map((x) => round(x, 2)) };
}
