import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inheritedEnv } from '@openase/shared/domain/process-env';
import { clipText, type RunEvent } from '@openase/shared/events/run-events';
import { LineSplitter } from '@openase/shared/util/lines';
import { unconfinedLauncher, type Launcher } from '../../sandbox/confine.js';
import { mkdirNoFollow } from '../../workspace/no-follow.js';

/**
 * The environment of an agent CLI: a few harmless variables of the daemon, a private HOME and
 * TMPDIR under the run's private dir, the spec's env (secrets included) and the adapter's own.
 */
export async function cliEnv(
  privateDir: string,
  specEnv: Record<string, string>,
  adapterEnv: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const home = path.join(privateDir, 'home');
  const tmp = path.join(privateDir, 'tmp');
  await mkdirNoFollow(privateDir, home);
  await mkdirNoFollow(privateDir, tmp);
  const env: Record<string, string> = { ...inheritedEnv(), HOME: home, TMPDIR: tmp, ...specEnv };
  for (const [key, value] of Object.entries(adapterEnv)) if (value !== undefined) env[key] = value;
  return env;
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT…). */
  spawnError?: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Writes one line (a JSON value) to stdin; false when stdin is gone. */
  send(message: unknown): boolean;
  closeStdin(): void;
  exited: Promise<CliExit>;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. Resolves when it exited. */
  stop(graceMs?: number): Promise<CliExit>;
  /** The last stderr lines, to explain a failure. */
  stderrTail(): string;
}

export interface StartCliOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: 'pipe' | 'ignore';
  onStdoutLine: (line: string) => void;
  onEvent: (event: RunEvent) => void;
  /** Wraps the argv in the machine's sandbox (default: started as is). */
  launch?: Launcher;
}

/**
 * Starts a CLI in its own process group (so stopping it also stops the shells it started), feeds
 * stdout lines to the adapter's parser and reports stderr as `output` events.
 */
export function startCliProcess(options: StartCliOptions): CliProcess {
  const launched = (options.launch ?? unconfinedLauncher)({
    command: options.command,
    args: options.args,
    cwd: options.cwd,
  });
  const child = spawn(launched.command, launched.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin, 'pipe', 'pipe'],
    detached: true,
  });
  const stderrLines: string[] = [];
  const stdout = new LineSplitter(options.onStdoutLine);
  const stderr = new LineSplitter((line) => {
    stderrLines.push(line);
    if (stderrLines.length > 50) stderrLines.shift();
    const { text, truncated } = clipText(line);
    options.onEvent({ type: 'output', stream: 'stderr', text, ...(truncated ? { truncated } : {}) });
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  child.stdin?.on('error', () => undefined); // EPIPE when the CLI died: reported through `exited`
  let spawnError: string | undefined;
  const exited = new Promise<CliExit>((resolve) => {
    child.on('error', (error) => {
      spawnError = `could not start ${options.command}: ${error.message}`;
      if (child.exitCode === null && child.pid === undefined) resolve({ code: null, signal: null, spawnError });
    });
    child.on('close', (code, signal) => {
      stdout.end();
      stderr.end();
      resolve({ code, signal, ...(spawnError ? { spawnError } : {}) });
    });
  });
  let finished = false;
  void exited.then(() => {
    finished = true;
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    if (finished || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };

  return {
    child,
    send(message) {
      if (!child.stdin || child.stdin.destroyed || !child.stdin.writable) return false;
      child.stdin.write(JSON.stringify(message) + '\n');
      return true;
    },
    closeStdin() {
      child.stdin?.end();
    },
    exited,
    async stop(graceMs = 5000) {
      if (finished) return exited;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    stderrTail: () => stderrLines.slice(-10).join('\n'),
  };
}

/** The `raw` event for a line no mapping understood. */
export function rawEvent(source: string, line: string): RunEvent {
  const { text, truncated } = clipText(line);
  return { type: 'raw', source, line: text, ...(truncated ? { truncated } : {}) };
}

/** Text clipped to the event limit, spread into an event. */
export function clipped(value: string): { text: string; truncated?: number } {
  return clipText(value);
}

/** Whether this process runs as root (Claude refuses bypass mode as root unless IS_SANDBOX=1). */
export const runningAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
