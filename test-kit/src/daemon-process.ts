/**
 * The real daemon as a child process speaking the protocol on stdio, with the TEST playing the
 * control plane over JSON lines: it welcomes the daemon, acknowledges (and closes) runs, records
 * every frame and the events of each run, and lets the test send frames and wait for conditions.
 * The daemon is bundled with esbuild into a temp file once per test file, like the shipped bundle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { build } from 'esbuild';
import { daemonBuildOptions } from '@openase/agent-daemon/build-options';
import { daemonFrameSchema, type ControlFrame, type DaemonFrame, type RunEvent } from '@openase/shared';
import { waitFor } from './wait.js';

export { STAND_IN_AGENT } from './stand-in.js';

/** Builds the daemon bundle into a temp folder (what `agent-daemon/build.mjs` ships). */
export async function buildDaemonBundle(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-agent-bundle-'));
  const outfile = path.join(dir, 'openase-agent.cjs');
  await build(daemonBuildOptions(outfile));
  return outfile;
}

export interface DaemonUnderTest {
  child: ChildProcess;
  home: string;
  frames: DaemonFrame[];
  /** Frames the daemon sent that did not match the protocol schema. */
  invalid: unknown[];
  stderr: () => string;
  send(frame: ControlFrame): void;
  events(runId: string): RunEvent[];
  framesOf<T extends DaemonFrame['type']>(type: T, runId?: string): Array<Extract<DaemonFrame, { type: T }>>;
  waitFrame<T extends DaemonFrame['type']>(
    type: T,
    match?: (f: Extract<DaemonFrame, { type: T }>) => boolean,
    what?: string,
  ): Promise<Extract<DaemonFrame, { type: T }>>;
  /** Ends stdin (the control plane went away) and waits for the process to exit. */
  stop(): Promise<void>;
}

export interface StartDaemonOptions {
  bundle: string;
  home?: string;
  slots?: number;
  /** Answer run.finished with a closing ack (the control plane recorded the end). Default true. */
  closeRuns?: boolean;
  env?: NodeJS.ProcessEnv;
  /** More arguments of `openase-agent stdio` (e.g. `--hide DIR`). */
  args?: string[];
  /** What the pretend control plane says of itself in welcome (default: this release, protocol 1). */
  welcome?: { protocol?: { min: number; max: number }; version?: string };
}

export async function startDaemon(opts: StartDaemonOptions): Promise<DaemonUnderTest> {
  const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'openase-agent-home-'));
  const child = spawn(
    process.execPath,
    [opts.bundle, 'stdio', '--home', home, '--slots', String(opts.slots ?? 4), ...(opts.args ?? [])],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    },
  );
  const frames: DaemonFrame[] = [];
  const invalid: unknown[] = [];
  const events = new Map<string, RunEvent[]>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const send = (frame: ControlFrame) => child.stdin!.write(`${JSON.stringify(frame)}\n`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = daemonFrameSchema.safeParse(JSON.parse(line));
    if (!parsed.success) {
      invalid.push(line);
      return;
    }
    const frame = parsed.data;
    frames.push(frame);
    if (frame.type === 'hello')
      send({
        type: 'welcome',
        sessionId: 's1',
        machineId: 'm1',
        heartbeatMs: 60_000,
        protocol: opts.welcome?.protocol ?? { min: 1, max: 1 },
        ...(opts.welcome?.version ? { version: opts.welcome.version } : {}),
        reconcile: frame.running.map((r) => ({ runId: r.runId, action: 'continue', ackedSeq: 0 })),
      });
    if (frame.type === 'run.events') {
      const list = events.get(frame.runId) ?? [];
      // A resend after a reconnect repeats events: keep each seq once.
      for (const e of frame.events) if (e.seq > list.length) list.push(e.event);
      events.set(frame.runId, list);
      send({ type: 'run.ack', runId: frame.runId, ackedSeq: list.length });
    }
    if (frame.type === 'run.finished' && opts.closeRuns !== false)
      send({ type: 'run.ack', runId: frame.runId, ackedSeq: frame.lastSeq, closed: true });
  });
  const framesOf = <T extends DaemonFrame['type']>(type: T, runId?: string) =>
    frames.filter((f) => f.type === type && (!runId || (f as { runId?: string }).runId === runId)) as Array<
      Extract<DaemonFrame, { type: T }>
    >;
  const daemon: DaemonUnderTest = {
    child,
    home,
    frames,
    invalid,
    stderr: () => stderr,
    send,
    events: (runId) => events.get(runId) ?? [],
    framesOf,
    async waitFrame(type, match = () => true, what) {
      let found: Extract<DaemonFrame, { type: typeof type }> | undefined;
      await waitFor(what ?? `a ${type} frame`, () => (found = framesOf(type).find(match)), 30_000).catch(
        (err: Error) => {
          throw new Error(
            `${err.message}\nframes: ${frames.map((f) => f.type).join(', ')}\ndaemon log:\n${stderr.slice(-4000)}`,
          );
        },
      );
      return found!;
    },
    async stop() {
      child.stdin!.end();
      await exited;
    },
  };
  await daemon.waitFrame('hello');
  return daemon;
}
