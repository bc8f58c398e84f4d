/**
 * Workflow hooks run in the ticket's workspace: `on_claim`, `before_turn`, `after_turn`,
 * `before_finish`, `on_done`, `on_error`, `on_cancel`. A hook's `run` is a shell command written
 * by the workflow's author (trusted, reviewed like code); nothing a ticket says is ever spliced
 * into it: ticket facts reach it only as `OPENASE_*` environment variables.
 *
 * Policy: `block` — a failure (non-zero exit or timeout) fails the gate; `warn` — reported, the
 * gate passes; `ignore` — recorded only. Each hook runs in its own process group, killed whole
 * on timeout. Output keeps its tail (the end of a test run says what failed).
 *
 * A hook gets the allowlisted part of the daemon's environment (sandbox/env.ts) and the run's
 * `OPENASE_*` facts, never the daemon's whole environment, and runs in the machine's sandbox.
 */
import { spawn } from 'node:child_process';
import { inheritedEnv } from '@openase/shared/domain/process-env';
import { clipText, type RunEventOf } from '@openase/shared/events/run-events';
import { confined } from '../workspace/paths.js';
import { unconfinedLauncher, type Launcher } from '../sandbox/confine.js';

export interface HookSpec {
  run: string;
  /** Seconds. */
  timeout: number;
  policy: 'block' | 'warn' | 'ignore';
  /** Relative to the workspace; must stay inside it. */
  workdir?: string;
}

export interface HookContext {
  hook: string;
  /** The folder hooks run in by default (the ticket workspace, or the single repository's worktree). */
  cwd: string;
  /** `OPENASE_*` facts (ticket, run, attempt, workspace…) and HOME, added to the allowlisted environment. */
  env: Record<string, string>;
  /** Wraps the hook's shell in the machine's sandbox (default: started as is). */
  launch?: Launcher;
}

export interface HookOutcome {
  hook: string;
  command: string;
  status: 'passed' | 'failed' | 'timed_out';
  policy: HookSpec['policy'];
  exitCode: number | null;
  output: string;
  /** True when this outcome fails the gate (a `block` hook that did not pass). */
  blocks: boolean;
}

/** Output kept per hook: enough for a test runner's summary, small enough for an event. */
export const HOOK_OUTPUT_MAX = 16 * 1024;

export function runHook(
  spec: HookSpec,
  ctx: HookContext,
  onEvent: (e: RunEventOf<'hook'>) => void = () => {},
): Promise<HookOutcome> {
  const cwd = spec.workdir ? confined(ctx.cwd, spec.workdir) : ctx.cwd;
  onEvent({ type: 'hook', hook: ctx.hook, command: spec.run, status: 'started', policy: spec.policy });
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const launched = (ctx.launch ?? unconfinedLauncher)({ command: '/bin/sh', args: ['-c', spec.run], cwd });
    const child = spawn(launched.command, launched.args, {
      cwd,
      env: { ...inheritedEnv(), ...ctx.env, OPENASE_HOOK: ctx.hook },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > HOOK_OUTPUT_MAX * 4) output = output.slice(-HOOK_OUTPUT_MAX * 2);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    }, spec.timeout * 1000);
    const finish = (exitCode: number | null, spawnError?: Error) => {
      clearTimeout(timer);
      const status: HookOutcome['status'] = timedOut
        ? 'timed_out'
        : exitCode === 0 && !spawnError
          ? 'passed'
          : 'failed';
      const clipped = clipText(
        spawnError
          ? `could not start the hook: ${spawnError.message}`
          : timedOut
            ? `${output}\n[timed out after ${spec.timeout} s]`
            : output,
        HOOK_OUTPUT_MAX,
        'tail',
      );
      // What the run's event stream shows is what the caller gets back (plus whether it blocks).
      const report = { hook: ctx.hook, command: spec.run, status, policy: spec.policy, exitCode, output: clipped.text };
      onEvent({ type: 'hook', ...report, ...(clipped.truncated ? { truncated: clipped.truncated } : {}) });
      resolve({ ...report, blocks: status !== 'passed' && spec.policy === 'block' });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code));
  });
}

/**
 * Runs a hook point's hooks in order. A blocking failure stops the rest (later hooks usually
 * depend on earlier ones, e.g. install then test). Returns every outcome and whether the gate passed.
 */
export async function runHooks(
  specs: readonly HookSpec[] | undefined,
  ctx: HookContext,
  onEvent?: (e: RunEventOf<'hook'>) => void,
): Promise<{ passed: boolean; outcomes: HookOutcome[] }> {
  const outcomes: HookOutcome[] = [];
  for (const spec of specs ?? []) {
    const outcome = await runHook(spec, ctx, onEvent);
    outcomes.push(outcome);
    if (outcome.blocks) return { passed: false, outcomes };
  }
  return { passed: true, outcomes };
}

/** What the agent is told when a blocking gate failed: the command and the tail of its output. */
export function describeGateFailure(outcomes: readonly HookOutcome[]): string {
  const failed = outcomes.filter((o) => o.blocks);
  return failed
    .map(
      (o) =>
        `The ${o.hook} check \`${o.command}\` ${o.status === 'timed_out' ? 'timed out' : `failed with exit code ${o.exitCode}`}. Its output:\n\n${o.output.trim() || '(no output)'}`,
    )
    .join('\n\n');
}
