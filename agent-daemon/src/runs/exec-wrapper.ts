/**
 * `openase-agent exec-wrapper RUNDIR`: the small parent of a run's command. Started detached (its
 * own session and process group), it runs the command with stdout/stderr appended to files and
 * writes `exit.json` when the command ends, so the result survives a daemon crash. It ignores
 * SIGTERM (the command in its group gets it) so it can still record how the command ended. A stop
 * the daemon asked for before the command was running is passed on here (stop-handshake.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inheritedEnv } from '@openase/shared/domain/process-env';
import { runSpecSchema } from '@openase/shared/protocol/messages';
import { findOnPath } from '../inventory.js';
import { signalOfExit } from '../sandbox/confine.js';
import { writeExitRecord, type ExitRecord, type Launch } from './run-handle.js';
import { announceCommand, announceWrapper, claimTerm, givenUp, stopRequested } from './stop-handshake.js';

/** The run's env as the daemon piped it: a JSON object of strings (empty when nothing was piped). */
function readEnv(): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch {
    return {};
  }
  if (!text.trim()) return {};
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the piped env is not an object');
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function execWrapper(dir: string): void {
  announceWrapper(dir, process.pid);
  const write = (rec: ExitRecord) => writeExitRecord(dir, rec);
  // Started so late that its daemon gave up on it (stop-handshake.ts): the run is failed, or fails with this.
  if (givenUp(dir)) {
    write({ exitCode: null, signal: null, error: 'the run started too late: its daemon had given up on it' });
    return;
  }
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  let spec;
  let envKeys: string[];
  let env: Record<string, string>;
  try {
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'spec.json'), 'utf8')) as unknown;
    spec = runSpecSchema.parse(stored);
    envKeys = envKeysOf(stored);
    // The env's values come through stdin (a pipe from the daemon), never from the run folder.
    env = readEnv();
  } catch (err) {
    write({ exitCode: null, signal: null, error: `the run spec is unreadable: ${(err as Error).message}` });
    return;
  }
  if (spec.kind !== 'command') {
    write({ exitCode: null, signal: null, error: `the exec wrapper runs command runs only, not ${spec.kind} runs` });
    return;
  }
  // The env's names are in the run folder (run-handle.ts writes `envKeys`): a daemon killed after spawning this wrapper
  // but before piping the values leaves them missing, and the command must not run without them.
  const missing = envKeys.filter((key) => !(key in env));
  if (missing.length) {
    write({
      exitCode: null,
      signal: null,
      error: `the run's environment never reached it (${missing.join(', ')} missing): its daemon stopped while starting it`,
    });
    return;
  }
  let launch: Launch;
  try {
    launch = JSON.parse(fs.readFileSync(path.join(dir, 'launch.json'), 'utf8')) as Launch;
  } catch (err) {
    write({ exitCode: null, signal: null, error: `the run's launch file is unreadable: ${(err as Error).message}` });
    return;
  }
  const out = fs.openSync(path.join(dir, 'stdout'), 'a');
  const errFd = fs.openSync(path.join(dir, 'stderr'), 'a');
  const cmd = spec.command[0]!;
  // The allowlisted part of the daemon's environment and what the run declares: never the rest.
  const childEnv: Record<string, string> = { ...inheritedEnv(), HOME: launch.home, ...env };
  // Inside the sandbox a missing program is bwrap's exit 1: say it the way an unconfined start does.
  if (launch.confined && !runnable(cmd, launch.cwd, childEnv.PATH ?? '')) {
    write({ exitCode: 127, signal: null, error: `cannot start ${cmd}: no such program (or not executable)` });
    return;
  }
  const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: childEnv, stdio: ['ignore', out, errFd] });
  if (child.pid) {
    // Announce the command, then look for a stop the daemon recorded before it saw this (stop-handshake.ts).
    announceCommand(dir, child.pid);
    if (stopRequested(dir) && claimTerm(dir, 'wrapper')) process.kill(-process.pid, 'SIGTERM'); // our group; we ignore it
  }
  child.on('error', (err) => {
    write({ exitCode: 127, signal: null, error: `cannot start ${cmd}: ${err.message}` });
    process.exit(0);
  });
  child.on('exit', (code, signal) => {
    const viaSandbox = launch.confined && !signal ? signalOfExit(code) : null;
    write(viaSandbox ? { exitCode: null, signal: viaSandbox } : { exitCode: code, signal });
    process.exit(0);
  });
}

/** The names of the env the daemon piped, as it recorded them in spec.json (the schema does not keep them). */
function envKeysOf(stored: unknown): string[] {
  const { envKeys } = (stored ?? {}) as { envKeys?: unknown };
  return Array.isArray(envKeys) ? envKeys.filter((k): k is string => typeof k === 'string') : [];
}

/** Whether `cmd` names an executable file: a path (relative to `cwd`) or a name found on `envPath`. */
function runnable(cmd: string, cwd: string, envPath: string): boolean {
  if (!cmd.includes('/')) return findOnPath(cmd, envPath) !== null;
  try {
    fs.accessSync(path.resolve(cwd, cmd), fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
