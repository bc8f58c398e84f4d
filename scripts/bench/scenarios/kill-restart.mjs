// Kill/restart cycles (ARCHITECTURE.md §10: zero lost and zero duplicated events). A real daemon
// (`openase-agent run`) keeps `runs` command runs going, each printing `lines` numbered lines at
// `linesPerSecond`. `cycles` times, after a random pause, the daemon or the control plane (a coin
// toss from a seeded generator, so a failing sequence can be replayed with --seed) is killed with
// SIGKILL and started again on the same data and port; new runs are started as runs finish. At
// the end every run must have succeeded with exactly its lines, 1..N in order: a missing line is
// lost, a line stored twice (or a seq gap or repeat) is duplicated.
//
// The daemon's reconnect backoff is shortened (OPENASE_AGENT_BACKOFF_MS) so a cycle takes about a
// second instead of the production 1 s → 64 s ladder; what is measured is correctness, not speed.
// Also used by control-plane/test/fleet-kill-restart.test.ts with a few cycles.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { agentBundlePath } from '../../lib/bootstrap.mjs';
import { killRunsIn } from '../../lib/leftover-runs.mjs';
import { joinDaemon, log, now, sleep, startServer, tempDir, trpc, until } from '../lib.mjs';

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out', 'stalled', 'lost']);

/** A small seeded generator (mulberry32): the same seed gives the same kill sequence. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A script printing `count` lines "line i" at `perSecond`, in chunks every 50 ms. */
function writeLinesScript(dir) {
  const file = path.join(dir, 'paced-lines.cjs');
  fs.writeFileSync(
    file,
    `const [count, perSecond] = [Number(process.argv[2]), Number(process.argv[3])];
let i = 0;
const chunk = Math.max(1, Math.round(perSecond / 20));
const t = setInterval(() => {
  let out = '';
  for (let k = 0; k < chunk && i < count; k++) out += 'line ' + ++i + '\\n';
  process.stdout.write(out);
  if (i >= count) clearInterval(t);
}, 50);
`,
  );
  return file;
}

/** Every stored event of a run, in seq order. */
async function allEvents(server, runId) {
  const events = [];
  for (;;) {
    const page = await trpc(
      server.url,
      server.token,
      'runs.events',
      { run: runId, afterSeq: events.at(-1)?.seq ?? 0, limit: 5000 },
      'query',
    );
    events.push(...page);
    if (page.length < 5000) return events;
  }
}

/** Checks one run's stored output against 1..lines: counts lost and duplicated lines and seq faults. */
export function auditLines(events, lines) {
  let seqFaults = 0;
  events.forEach((e, i) => {
    if (e.seq !== i + 1) seqFaults++;
  });
  const seen = new Map();
  let outOfOrder = 0;
  let last = 0;
  for (const e of events) {
    if (e.event.type !== 'output' || e.event.stream !== 'stdout') continue;
    const n = Number(/^line (\d+)$/.exec(e.event.text)?.[1]);
    if (!Number.isInteger(n)) continue;
    seen.set(n, (seen.get(n) ?? 0) + 1);
    if (n < last) outOfOrder++;
    last = n;
  }
  let lost = 0;
  let duplicated = 0;
  for (let n = 1; n <= lines; n++) {
    const c = seen.get(n) ?? 0;
    if (c === 0) lost++;
    else duplicated += c - 1;
  }
  return { lost, duplicated, outOfOrder, seqFaults };
}

export async function killRestartCycles({
  databaseUrl = null,
  cycles = 100,
  runs = 3,
  lines = 2000,
  linesPerSecond = 400,
  seed = 1,
  minPauseMs = 100,
  maxPauseMs = 700,
  backoffMs = 100,
  home = tempDir('chaos-cp'),
} = {}) {
  const random = seededRandom(seed);
  const agentHome = tempDir('chaos-agent');
  const scripts = tempDir('chaos-scripts');
  const script = writeLinesScript(scripts);
  const started = now();
  let server = await startServer({ databaseUrl, home });
  const port = Number(new URL(server.url).port);
  let daemon = null;
  const runIds = [];
  const finished = new Set();
  const kills = { daemon: 0, controlPlane: 0 };
  const restartDaemon = () => {
    daemon = spawn(process.execPath, [agentBundlePath, 'run', '--home', agentHome], {
      stdio: 'ignore',
      env: { ...process.env, OPENASE_AGENT_BACKOFF_MS: String(backoffMs) },
    });
  };
  const online = () =>
    until(
      async () =>
        (await trpc(server.url, server.token, 'machines.show', { name: 'chaos' }, 'query').catch(() => null))
          ?.status === 'online',
      60_000,
      50,
    );
  const refreshFinished = async () => {
    for (const id of runIds) {
      if (finished.has(id)) continue;
      const r = await trpc(server.url, server.token, 'runs.show', { run: id }, 'query');
      if (TERMINAL.has(r.state)) finished.add(id);
    }
  };
  /** Starts runs until `runs` are unfinished (runs end on their own as their lines are printed). */
  const topUp = async () => {
    await refreshFinished();
    while (runIds.length - finished.size < runs) {
      const r = await trpc(server.url, server.token, 'runs.start', {
        machine: 'chaos',
        command: [process.execPath, script, String(lines), String(linesPerSecond)],
      });
      runIds.push(r.id);
    }
  };
  try {
    await joinDaemon(server, { name: 'chaos', home: agentHome, slots: runs });
    restartDaemon();
    if (!(await online())) throw new Error('the daemon did not come online');
    await topUp();
    for (let cycle = 1; cycle <= cycles; cycle++) {
      await sleep(minPauseMs + random() * (maxPauseMs - minPauseMs));
      if (random() < 0.5) {
        kills.daemon++;
        daemon.kill('SIGKILL');
        await new Promise((r) =>
          daemon.exitCode !== null || daemon.signalCode !== null ? r() : daemon.once('exit', r),
        );
        restartDaemon();
      } else {
        kills.controlPlane++;
        server.child.kill('SIGKILL');
        await server.stop({ keepHome: true });
        server = await startServer({ databaseUrl, home, port });
      }
      if (!(await online())) throw new Error(`cycle ${cycle}: the machine did not come back online`);
      await topUp();
      if (cycle % 10 === 0)
        log(
          `kill-restart: ${cycle}/${cycles} cycles (${kills.daemon} daemon, ${kills.controlPlane} control plane), ${runIds.length} runs started`,
        );
    }
    const settled = await until(
      async () => {
        await refreshFinished();
        return finished.size === runIds.length;
      },
      120_000,
      250,
    );
    const totals = { lost: 0, duplicated: 0, outOfOrder: 0, seqFaults: 0 };
    const notSucceeded = [];
    let stored = 0;
    for (const id of runIds) {
      const r = await trpc(server.url, server.token, 'runs.show', { run: id }, 'query');
      if (r.state !== 'succeeded') notSucceeded.push(`${id}: ${r.state} (${r.stateReason ?? ''})`);
      const events = await allEvents(server, id);
      stored += events.length;
      const audit = auditLines(events, lines);
      for (const k of Object.keys(totals)) totals[k] += audit[k];
    }
    return {
      cycles,
      seed,
      kills,
      runs: runIds.length,
      allEnded: Boolean(settled),
      linesExpected: runIds.length * lines,
      eventsStored: stored,
      ...totals,
      notSucceeded: notSucceeded.slice(0, 10),
      notSucceededCount: notSucceeded.length,
      seconds: Math.round((now() - started) / 1000),
    };
  } finally {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    killRunsIn(path.join(agentHome, 'runs'));
    await server.stop();
    fs.rmSync(agentHome, { recursive: true, force: true });
    fs.rmSync(scripts, { recursive: true, force: true });
  }
}
