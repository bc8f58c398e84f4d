/**
 * One run on this machine, on disk in `<home>/runs/<runId>/`:
 *   spec.json     what to execute          state.json  lease epoch, wrapper pid, end once known
 *   stdout/stderr the process output       exit.json   written by the exec wrapper at exit
 *   spool.jsonl   the durable event spool (spool.ts)
 *   launch.json   the argv to execute, already wrapped in the machine's sandbox (sandbox/confine.ts)
 *   work/         the command's HOME, and its working folder when the spec names none
 *   child.pid, term-sent  the wrapper started the command; a stop's SIGTERM was sent (stop-handshake.ts)
 * The command runs under `openase-agent exec-wrapper DIR`, started detached in its own process
 * group, so it outlives the daemon; a restarted daemon re-opens the folder and carries on tailing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clipText, MAX_EVENT_TEXT, type RunEvent } from '@openase/shared/events/run-events';
import { type RunSpec } from '@openase/shared/protocol/messages';
import { confineCommand, UNCONFINED, type Confinement } from '../sandbox/confine.js';
import { Spool, type SpoolLimits } from './spool.js';
import { announcedWrapper, claimTerm, commandAnnounced, giveUpOnWrapper } from './stop-handshake.js';

export interface RunState {
  runId: string;
  leaseEpoch: number;
  createdAt: number;
  wrapperPid: number | null;
  /** Set when a cancel or timeout was sent, so the end is reported with the right reason. */
  stopReason?: 'canceled' | 'timeout' | null;
  killedWith?: string | null;
  end?: { exitCode: number | null; signal: string | null; reason?: string; lastSeq: number } | null;
}

/** What the exec wrapper starts (written by the daemon, which chose the sandbox). */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  home: string;
  /** Started under bwrap: an exit code 128 + n means killed by signal n. */
  confined: boolean;
}

export interface ExitRecord {
  exitCode: number | null;
  signal: string | null;
  error?: string;
}

/** Writes a run's `exit.json` whole (a reader never sees half of it): the exec wrapper's, or the daemon's own. */
export function writeExitRecord(dir: string, rec: ExitRecord): void {
  const file = path.join(dir, 'exit.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(rec));
  fs.renameSync(`${file}.tmp`, file);
}

const STREAMS = ['stdout', 'stderr'] as const;
const READ_CHUNK = 256 * 1024;

/** How long after its run folder was made a wrapper that has not announced itself may still be starting. */
const WRAPPER_START_MS = 10_000;

export class RunHandle {
  readonly dir: string;
  state: RunState;
  spool: Spool;
  private readonly limits: SpoolLimits;
  /** Highest seq sent on the current connection. */
  sentSeq = 0;
  ackedSeq = 0;
  private killTimer: NodeJS.Timeout | null = null;

  private constructor(dir: string, state: RunState, limits: SpoolLimits) {
    this.dir = dir;
    this.state = state;
    this.limits = limits;
    this.spool = Spool.open(path.join(dir, 'spool.jsonl'), limits);
  }

  /** Re-reads every spooled event from disk (the control plane has fewer than it acked before). */
  reloadSpool(): void {
    this.spool = Spool.open(path.join(this.dir, 'spool.jsonl'), this.limits);
  }

  get runId(): string {
    return this.state.runId;
  }
  get finished(): boolean {
    return !!this.state.end;
  }

  /** Creates the run folder and starts the command detached under the exec wrapper. */
  static start(
    runsDir: string,
    runId: string,
    leaseEpoch: number,
    spec: RunSpec,
    limits: SpoolLimits,
    self: string[],
    confinement: Confinement = UNCONFINED,
  ): RunHandle {
    const dir = path.join(runsDir, runId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The env's values are not kept on disk: the wrapper gets them through a pipe (its stdin).
    const { env, ...kept } = spec.kind === 'command' ? spec : { ...spec, env: undefined };
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(env ? { ...kept, envKeys: Object.keys(env) } : kept), {
      mode: 0o600,
    });
    const work = path.join(dir, 'work');
    fs.mkdirSync(work, { mode: 0o700 });
    if (spec.kind === 'command') {
      const [command, ...args] = spec.command;
      const cwd = spec.cwd ?? work;
      const writable = spec.cwd ? [work, spec.cwd] : [work];
      const launch: Launch = {
        ...confineCommand(confinement, { command: command!, args, cwd, writable }),
        cwd,
        home: work,
        confined: confinement.mode !== 'off',
      };
      fs.writeFileSync(path.join(dir, 'launch.json'), JSON.stringify(launch));
    }
    for (const s of STREAMS) fs.writeFileSync(path.join(dir, s), '');
    const handle = new RunHandle(dir, { runId, leaseEpoch, createdAt: Date.now(), wrapperPid: null }, limits);
    handle.saveState();
    const wrapper = spawn(process.execPath, [...self, 'exec-wrapper', dir], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      cwd: dir,
    });
    // No wrapper at all (its program gone after an upgrade, no process left to fork: EAGAIN): the run ends saying so,
    // where an unhandled 'error' took the daemon down with every run it held.
    wrapper.on('error', (err) =>
      writeExitRecord(dir, { exitCode: null, signal: null, error: `cannot start the run's process: ${err.message}` }),
    );
    wrapper.stdin!.on('error', () => {}); // a wrapper that died at once is reported through exit.json
    wrapper.stdin!.end(JSON.stringify(env ?? {}));
    wrapper.unref();
    handle.state.wrapperPid = wrapper.pid ?? null;
    handle.saveState();
    return handle;
  }

  /** Re-opens a run folder left by an earlier daemon (null if it is not a run folder). */
  static reopen(dir: string, limits: SpoolLimits): RunHandle | null {
    try {
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as RunState;
      return new RunHandle(dir, state, limits);
    } catch {
      return null;
    }
  }

  /** The run's spec as written at start (null if unreadable). */
  spec(): RunSpec | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'spec.json'), 'utf8')) as RunSpec;
    } catch {
      return null;
    }
  }

  /** Stops the run at `createdAt + timeoutMs` (also after a daemon restart: the deadline is on disk). */
  armTimeout(): void {
    const timeoutMs = this.spec()?.timeoutMs;
    if (!timeoutMs || this.finished) return;
    const left = Math.max(0, this.state.createdAt + timeoutMs - Date.now());
    setTimeout(() => this.stop('timeout', 10_000), left).unref();
  }

  saveState(): void {
    const file = path.join(this.dir, 'state.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(this.state));
    fs.renameSync(`${file}.tmp`, file);
  }

  remove(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The run is not ours (any more): kill its process group outright and forget it. */
  discard(): void {
    if (!this.finished) {
      // A wrapper not announced yet is given up on first (stop-handshake.ts): one announcing itself while its folder
      // goes would otherwise start the command unseen; one that announced meanwhile is killed with the rest.
      if (!this.wrapper()) this.state.wrapperPid = giveUpOnWrapper(this.dir);
      this.signal('SIGKILL');
    }
    this.remove();
  }

  /**
   * The wrapper's pid, which is its process group's: as saved at the start or, when the daemon that started it was
   * killed before saving it, as the wrapper announced it (stop-handshake.ts), then saved.
   */
  private wrapper(): number | null {
    if (!this.state.wrapperPid) {
      this.state.wrapperPid = announcedWrapper(this.dir);
      if (this.state.wrapperPid) this.saveState();
    }
    return this.state.wrapperPid;
  }

  private groupAlive(): boolean {
    let pid = this.wrapper();
    if (!pid) {
      // Not announced yet: a wrapper spawned just before its daemon was killed may still be starting.
      if (Date.now() - this.state.createdAt < WRAPPER_START_MS) return true;
      // Given up on, unless it announced itself meanwhile; one starting later still will not run the command.
      pid = this.state.wrapperPid = giveUpOnWrapper(this.dir);
      if (!pid) return false;
      this.saveState();
    }
    try {
      process.kill(-pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /**
   * SIGTERM to the process group, SIGKILL after `graceMs` if anything is still alive. The SIGTERM
   * goes once, from here or, when the command is not running yet, from its wrapper (stop-handshake.ts).
   */
  stop(reason: 'canceled' | 'timeout', graceMs: number): void {
    if (this.finished) return;
    this.state.stopReason ??= reason;
    this.state.killedWith ??= 'SIGTERM';
    // The stop is on record before we look for the command. A wrapper that has not announced itself yet (its daemon
    // was killed just after spawning it) finds it there once it has started the command, and sends the SIGTERM.
    this.saveState();
    if (this.wrapper() && commandAnnounced(this.dir) && claimTerm(this.dir, 'daemon')) this.signal('SIGTERM');
    if (this.killTimer) return;
    const escalate = () => {
      if (!this.groupAlive()) return;
      // A wrapper that has not announced itself yet cannot be signalled: look again shortly (groupAlive gives up on
      // it 10 s after the run was made), so the SIGKILL is neither recorded without being sent nor lost.
      if (!this.wrapper()) {
        this.killTimer = setTimeout(escalate, 100);
        this.killTimer.unref();
        return;
      }
      this.state.killedWith = 'SIGKILL';
      this.saveState();
      this.signal('SIGKILL');
    };
    this.killTimer = setTimeout(escalate, graceMs);
    this.killTimer.unref();
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.wrapper();
    if (!pid) return; // never process.kill(-0): that is the daemon's own process group
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  }

  /**
   * Reads new output into the spool (whole lines only, unless the process has ended) and, once
   * the process has exited and all output is read, records the end. Returns true if anything changed.
   */
  poll(): boolean {
    if (this.finished) return false;
    let exit = this.readExit();
    // Read the exit record again after the liveness check: the wrapper may have just exited.
    if (!exit && !this.groupAlive()) exit = this.readExit();
    const gone = !exit && !this.groupAlive();
    const final = exit !== null || gone;
    let changed = this.tail(final);
    if (final && !this.finished) {
      this.tail(true);
      const dropped = this.spool.cursor.d;
      const tail: RunEvent[] = [];
      if (exit?.error) tail.push({ type: 'error', message: exit.error, fatal: true });
      if (gone)
        tail.push({
          type: 'error',
          message: this.state.wrapperPid
            ? 'the run process ended without recording its exit status (killed?)'
            : 'the daemon stopped before the run started',
          fatal: true,
        });
      if (dropped.events > 0)
        tail.push({
          type: 'truncation',
          droppedEvents: dropped.events,
          droppedBytes: dropped.bytes,
          message: `the run exceeded its event cap: ${dropped.events} event(s) (${dropped.bytes} bytes) after the cap were not kept`,
        });
      if (tail.length)
        this.spool.append(
          tail.map((event) => ({ event, o: this.spool.cursor.o })),
          { force: true },
        );
      const signal = exit?.signal ?? (gone ? (this.state.killedWith ?? null) : null);
      const reason = this.state.stopReason ?? undefined;
      this.state.end = {
        exitCode: exit?.exitCode ?? null,
        signal,
        ...(reason ? { reason } : {}),
        lastSeq: this.spool.lastSeq,
      };
      if (this.killTimer) clearTimeout(this.killTimer);
      this.saveState();
      changed = true;
    }
    return changed;
  }

  private readExit(): ExitRecord | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'exit.json'), 'utf8')) as ExitRecord;
    } catch {
      return null;
    }
  }

  private tail(final: boolean): boolean {
    const items: Array<{ event: RunEvent; o: { stdout: number; stderr: number } }> = [];
    const o = { ...this.spool.cursor.o };
    for (const stream of STREAMS) {
      let fd: number;
      try {
        fd = fs.openSync(path.join(this.dir, stream), 'r');
      } catch {
        continue;
      }
      try {
        for (;;) {
          const buf = Buffer.alloc(READ_CHUNK);
          const n = fs.readSync(fd, buf, 0, READ_CHUNK, o[stream]);
          if (n <= 0) break;
          let start = 0;
          for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < n; nl = buf.indexOf(10, start)) {
            this.pushLine(items, stream, buf.subarray(start, nl).toString('utf8'), o, nl + 1 - start);
            start = nl + 1;
          }
          const rest = n - start;
          if (rest > 0 && (final || rest >= MAX_EVENT_TEXT)) {
            // A partial line: only at the end, or when it is too long to be one event.
            if (n < READ_CHUNK || rest >= MAX_EVENT_TEXT) {
              this.pushLine(items, stream, buf.subarray(start, n).toString('utf8'), o, rest);
              start = n;
            }
          }
          if (n < READ_CHUNK) break;
          if (start === 0) break;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    if (items.length === 0) return false;
    this.spool.append(items);
    return true;
  }

  private pushLine(
    items: Array<{ event: RunEvent; o: { stdout: number; stderr: number } }>,
    stream: 'stdout' | 'stderr',
    raw: string,
    o: { stdout: number; stderr: number },
    consumed: number,
  ): void {
    o[stream] += consumed;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const clipped = clipText(line);
    items.push({
      event: {
        type: 'output',
        stream,
        text: clipped.text,
        ...(clipped.truncated ? { truncated: clipped.truncated } : {}),
      },
      o: { ...o },
    });
  }
}
