/**
 * Real processes for fleet tests: the control plane from its bundle (killable, restartable on
 * the same port and data), daemons from theirs, the typed API client, and `waitFor` (poll a
 * condition with a deadline — never a sleep as synchronization).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM helper without types
import { agentBundlePath, bundlePath, ensureBuilt } from '../../scripts/lib/bootstrap.mjs';
// @ts-expect-error plain ESM helper without types (shared with the benchmarks)
import { killRunsIn } from '../../scripts/lib/leftover-runs.mjs';
import { shareSecretKey } from '../../scripts/lib/shared-secret-key.mjs';
import { afterAll, beforeAll } from 'vitest';
import { ACTIVE_RUN_STATES, PROTOCOL_VERSION } from '@openase/shared';
import { createApiClient, type ApiClient } from '@openase/control-plane/cli/client';
import { readCredentials } from '@openase/control-plane/server/credentials';
import { seedDataDir } from './database-templates.js';
import { createMigratedPostgres } from './databases.js';

export const CP_BUNDLE = bundlePath as string;
export const AGENT_BUNDLE = agentBundlePath as string;
export function buildBundles(): void {
  (ensureBuilt as () => void)();
}

import { waitFor } from './wait.js';

export { waitFor };

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openase-${prefix}-`));
}

/**
 * Runs outlive their daemon by design, so a failing test could leave a gated command waiting
 * forever: kill the process group of every run still on disk under the daemon homes a test used.
 */
const agentHomes = new Set<string>();
export function killLeftoverRuns(): void {
  for (const home of agentHomes) {
    for (const runsDir of [
      path.join(home, 'runs'),
      path.join(home, 'local-machine', 'runs'),
      path.join(home, 'agent', 'home', 'runs'),
    ])
      (killRunsIn as (dir: string) => void)(runsDir);
  }
}
/** Remembers a folder that may hold daemon run folders, for `killLeftoverRuns`. */
export function trackAgentHome(home: string): string {
  agentHomes.add(home);
  return home;
}

/** The hello frame of a test daemon on linux/x64 with one slot and nothing running, as `hostname` at `version`. */
export function helloFrame(hostname: string, version: string) {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    version,
    hostname,
    os: 'linux',
    arch: 'x64',
    labels: [],
    slots: 1,
    clis: [],
    running: [],
  };
}

/** A process with its output collected, for assertions and failure messages. */
export class Proc {
  output = '';
  exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** Signals the process and waits for it to exit; with `withinMs`, fails with its log if it is still there then. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', opts: { withinMs?: number } = {}): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    if (opts.withinMs === undefined) {
      await this.exited;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const s = opts.withinMs! / 1000;
        reject(new Error(`pid ${this.child.pid} did not exit ${s} s after ${signal}:\n${this.output.slice(-3000)}`));
      }, opts.withinMs);
    });
    await Promise.race([this.exited, late]).finally(() => clearTimeout(timer));
  }
}

export interface ControlPlane {
  proc: Proc;
  url: string;
  port: number;
  api: ApiClient;
  token: string;
}

type StartOptions = NonNullable<Parameters<typeof startControlPlane>[1]>;

/**
 * The control plane of a describe block (or file), in data dir `home`: an object filled in before all its tests
 * (the bundles built, the server started with `opts`, or what `opts()` makes then, after any earlier `beforeAll`);
 * after all, leftover runs killed and the server stopped. `timeoutMs` is the start's hook timeout (else the file's).
 */
export function useControlPlane(
  home: string,
  opts: StartOptions | (() => StartOptions | Promise<StartOptions>) = {},
  timeoutMs?: number,
): ControlPlane {
  const cp = {} as ControlPlane;
  beforeAll(async () => {
    buildBundles();
    Object.assign(cp, await startControlPlane(home, typeof opts === 'function' ? await opts() : opts));
  }, timeoutMs);
  afterAll(async () => {
    killLeftoverRuns();
    await cp.proc?.kill();
  });
  return cp;
}

/** Control planes sharing one scratch PostgreSQL database (see `useReplicas`). */
export interface Replicas {
  /** The running replicas, in start order; `start` replaces one in place. */
  readonly list: ControlPlane[];
  /** The scratch database's URL (once started). */
  readonly databaseUrl: string;
  /** Starts replica `i` (again) on its data dir, on `port` if given, and puts it in `list`. */
  start(i: number, port?: number): Promise<ControlPlane>;
}

/**
 * Control planes for a describe block, one a name, on one scratch PostgreSQL database: before all, started one
 * after the other (the first bootstraps the instance, the others find it) in data dirs `<prefix><name>`, with
 * `env`; after all, leftover runs killed, every replica stopped and the database dropped.
 */
export function useReplicas(prefix: string, names: string[], env?: NodeJS.ProcessEnv): Replicas {
  const homes: string[] = [];
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  const replicas: Replicas = {
    list: [],
    get databaseUrl() {
      if (!scratch) throw new Error('the replicas are not started');
      return scratch.url;
    },
    async start(i, port) {
      replicas.list[i] = await startControlPlane(homes[i]!, { databaseUrl: replicas.databaseUrl, port, env });
      return replicas.list[i];
    },
  };
  beforeAll(async () => {
    buildBundles();
    scratch = await createMigratedPostgres();
    for (const name of names) {
      homes.push(tempDir(`${prefix}${name}`));
      await replicas.start(homes.length - 1);
    }
  });
  afterAll(async () => {
    killLeftoverRuns();
    for (const r of replicas.list) await r.proc.kill();
    await scratch?.drop();
  });
  return replicas;
}

export async function startControlPlane(
  home: string,
  opts: { port?: number; databaseUrl?: string | null; localMachine?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<ControlPlane> {
  const args = [CP_BUNDLE, 'serve', '--port', String(opts.port ?? 0), '--host', '127.0.0.1', '--data-dir', home];
  if (!opts.localMachine) args.push('--no-local-machine');
  if (!opts.databaseUrl && !opts.env?.DATABASE_URL) seedDataDir(home);
  else shareSecretKey(home);
  const proc = new Proc(
    spawn(process.execPath, args, { env: { ...process.env, DATABASE_URL: opts.databaseUrl ?? '', ...opts.env } }),
  );
  trackAgentHome(home);
  const url = await waitFor(
    () => `the control plane to listen\n${proc.output}`,
    () => {
      if (!proc.alive) throw new Error(`control plane exited:\n${proc.output}`);
      return /listening on (http:\/\/\S+)/.exec(proc.output)?.[1];
    },
  ).catch(async (err: Error) => {
    await proc.kill('SIGKILL');
    throw err;
  });
  const creds = await waitFor('credentials', () => readCredentials(home));
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    token: creds.token,
    api: createApiClient({ url, token: creds.token }),
  };
}

export function agentCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [AGENT_BUNDLE, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export function startAgent(home: string, env: NodeJS.ProcessEnv = {}): Proc {
  return new Proc(
    spawn(process.execPath, [AGENT_BUNDLE, 'run', '--home', home], {
      env: { ...process.env, OPENASE_AGENT_BACKOFF_MS: '100', ...env },
    }),
  );
}

/** Joins a new daemon home to `cp` (as `joinMachine`) and starts its daemon. */
export async function startJoinedAgent(
  cp: ControlPlane,
  name: string,
  opts: { slots?: number; labels?: string; workdir?: string } = {},
): Promise<Proc> {
  return startAgent(await joinMachine(cp, name, opts));
}

/** Creates a join token and joins a new daemon home with it. */
export async function joinMachine(
  cp: ControlPlane,
  name: string,
  opts: { slots?: number; labels?: string; workdir?: string } = {},
): Promise<string> {
  // Join token labels are a ceiling (an admin sets them); the machine then asks for them.
  const labels = opts.labels ? opts.labels.split(',') : [];
  const { token } = await cp.api.machines.createJoinToken.mutate({ labels });
  const home = trackAgentHome(tempDir(`agent-${name}`));
  const args = ['join', cp.url, token, '--name', name, '--home', home, '--slots', String(opts.slots ?? 2)];
  if (opts.labels) args.push('--labels', opts.labels);
  if (opts.workdir) args.push('--workdir', opts.workdir);
  // Not spawnSync: the test process may itself serve the connection (a proxy).
  const join = new Proc(spawn(process.execPath, [AGENT_BUNDLE, ...args]));
  if ((await join.exited) !== 0) throw new Error(`join failed: ${join.output}`);
  return home;
}

/**
 * A script printing `count` numbered lines; with `pauseEvery` and `gate`, before line
 * k·pauseEvery+1 it waits until the file `<gate>.<k>` exists (so tests act at known points).
 */
export function linesScript(dir: string): string {
  const file = path.join(dir, 'lines.cjs');
  fs.writeFileSync(
    file,
    `const fs = require('fs');
const [count, pauseEvery, gate] = [Number(process.argv[2]), Number(process.argv[3] || 0), process.argv[4]];
for (let i = 1; i <= count; i++) {
  if (gate && pauseEvery && i > 1 && (i - 1) % pauseEvery === 0) {
    const k = (i - 1) / pauseEvery;
    while (!fs.existsSync(gate + '.' + k)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.stdout.write('line ' + i + '\\n');
}
process.stderr.write('done\\n');
`,
  );
  return file;
}

/**
 * A linesScript run (the script written to `dir`): its `command`, printing `count` lines; with `pauseEvery`,
 * pausing before each further part until `open(k)` opens gate k (the file `<dir>/<gateName>.<k>`); and the lines
 * it prints, in order (`printed`).
 */
export function linesRun(dir: string, count: number, pauseEvery?: number, gateName = 'gate') {
  const gate = path.join(dir, gateName);
  const paused = pauseEvery === undefined ? [] : [String(pauseEvery), gate];
  return {
    command: [process.execPath, linesScript(dir), String(count), ...paused],
    open: (k: number) => openGate(gate, k),
    printed: numbered(count),
  };
}

export function openGate(gate: string, k: number): void {
  fs.writeFileSync(`${gate}.${k}`, '');
}

export async function allEvents(api: ApiClient, runId: string) {
  const events: Awaited<ReturnType<ApiClient['runs']['events']['query']>> = [];
  for (;;) {
    const page = await api.runs.events.query({ run: runId, afterSeq: events.at(-1)?.seq ?? 0, limit: 5000 });
    events.push(...page);
    if (page.length < 5000) return events;
  }
}

/** Every stdout line of a run, in seq order; checks seqs are 1..n with no gap or repeat. */
export async function outputLines(api: ApiClient, runId: string): Promise<string[]> {
  const events = await allEvents(api, runId);
  events.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`event ${i} has seq ${e.seq}`);
  });
  return events
    .filter((e) => e.event.type === 'output' && e.event.stream === 'stdout')
    .map((e) => (e.event as { text: string }).text);
}

export function numbered(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `line ${i + 1}`);
}

export async function runState(api: ApiClient, runId: string) {
  return api.runs.show.query({ run: runId });
}

type Run = Awaited<ReturnType<typeof runState>>;

/** Waits until run `runId` is in state `until` (or `until` holds for it); returns the run as shown then. */
export async function waitRun(
  api: ApiClient,
  runId: string,
  until: Run['state'] | ((run: Run) => boolean),
  what: string | (() => string),
  timeoutMs?: number,
): Promise<Run> {
  const done = typeof until === 'function' ? until : (run: Run) => run.state === until;
  return waitFor(
    what,
    async () => {
      const r = await runState(api, runId);
      return done(r) ? r : null;
    },
    timeoutMs,
  );
}

/** Waits until machine `name` is online. */
export async function waitMachineOnline(api: ApiClient, name: string, what: string | (() => string)) {
  return waitFor(what, async () => (await api.machines.show.query({ name })).status === 'online');
}

/**
 * The agent run of a ticket (by id) once it has ended, and what its agent said (its assistant
 * messages, in order): for tests whose stand-in agent reports by speaking.
 */
export async function endedAgentRun(api: ApiClient, projectId: string, ticketId: string) {
  const run = await waitFor(`the agent run of ticket ${ticketId} to end`, async () => {
    const { items } = await api.runs.list.query({ projectId });
    const mine = items.find((r) => r.ticketId === ticketId && r.kind === 'agent');
    return mine && !ACTIVE_RUN_STATES.includes(mine.state) ? mine : undefined;
  });
  const events = await allEvents(api, run.id);
  const said = events.flatMap((e) =>
    e.event.type === 'message' && e.event.role === 'assistant' ? [e.event.text] : [],
  );
  return { run, said };
}
