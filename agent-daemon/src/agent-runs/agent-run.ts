/**
 * The supervisor of one agent run on this machine (the daemon half of the turn handshake in
 * shared/src/protocol/agent-run.ts):
 *
 *   prepare the workspace → write the platform wrapper → run.started → on_claim hooks →
 *   per turn: before_turn hooks → the CLI's turn → after_turn hooks → path check, commit, push →
 *   run.turn → run.next: continue (next turn with its input) | finish (before_finish hooks →
 *   run.gate → run.next again) | stop (on_done or on_error hooks) → close the CLI → end.
 *
 * A cancel interrupts the CLI (closing it after the grace period), runs on_cancel hooks and ends
 * the run as canceled. The control plane decides; the daemon only reports what happened.
 */
import path from 'node:path';
import type { AgentJobSpec, HookPoint, RunNextFrame } from '@openase/shared/protocol/agent-run';
import { hookWords } from '@openase/shared/domain/hook-words';
import type { AgentSession, StartAgentSession, TurnOutcome } from '../adapters/common/types.js';
import { launcherFor, UNCONFINED, type Confinement } from '../sandbox/confine.js';
import { describeGateFailure, runHooks, type HookContext } from '../hooks/hooks.js';
import type { Workspaces } from '../workspace/workspace.js';
import { agentProcessEnv, openaseEnv } from './agent-env.js';
import { DAEMON_STOPPED, type AgentRunHandle } from './agent-run-handle.js';
import { writePlatformWrapper } from './platform-wrapper.js';
import { baseMergeNote } from '../workspace/base-merge.js';
import { settleTurn } from './turn-end.js';
import { mkdirNoFollow } from '../workspace/no-follow.js';

/** A run a hook ended, its first line in words ("The before-turn checks failed."), for its reason and error. */
function hookFailed(point: HookPoint): string {
  const words = hookWords(point);
  return `${words[0]!.toUpperCase()}${words.slice(1)} failed.`;
}

export interface AgentRunDeps {
  workspaces: Workspaces;
  startSession: StartAgentSession;
  /** argv that starts this daemon, node's absolute path first: the platform wrapper execs it. */
  program: readonly string[];
  /** How what the run starts is confined (default: started as is). */
  confinement?: Confinement;
  log(line: string): void;
}

/** Sent to the agent when the control plane says continue without saying what. */
export const DEFAULT_CONTINUE_INPUT = 'Continue working on the ticket.';
const GATE_OUTPUT_MAX = 64 * 1024;

class RunFailure extends Error {}

export async function superviseAgentRun(run: AgentRunHandle, spec: AgentJobSpec, deps: AgentRunDeps): Promise<void> {
  let session: AgentSession | undefined;
  let hookContext: Omit<HookContext, 'hook'> | undefined;
  const hooks = (point: HookPoint) =>
    runHooks(spec.hooks[point], { ...hookContext!, hook: point }, (event) => run.emit(event));
  let outcome: { exitCode: number | null; reason?: string } = {
    exitCode: 1,
    reason: 'the run ended without a decision',
  };
  let endHooks: HookPoint | null = 'on_error';

  let closeTimer: NodeJS.Timeout | undefined;
  run.onStop((graceMs) => {
    void session?.interrupt();
    closeTimer = setTimeout(() => void session?.close(), graceMs);
    closeTimer.unref();
  });
  run.onAbandon(() => void session?.close());
  run.onInterrupt(() => void session?.interrupt());

  try {
    run.emit({
      type: 'progress',
      message: `preparing the workspace of ${spec.ticket.identifier} (${spec.repos.length} repositor${spec.repos.length === 1 ? 'y' : 'ies'}, branch ${spec.ticket.branch})`,
    });
    const ws = await deps.workspaces.prepare(
      spec.ticket,
      spec.repos,
      (message) => run.emit({ type: 'progress', message }),
      { mergeDefaultBranch: spec.mergeDefaultBranch === true },
    );
    run.emit({
      type: 'workspace',
      step: 'prepare',
      ok: true,
      message: `workspace ready: ${ws.repos.map((r) => `${r.name} at ${r.baseCommit.slice(0, 12)} (${r.worktree})`).join(', ') || 'no repositories'}`,
      details: {
        dir: ws.dir,
        repos: ws.repos.map(({ name, path: p, branch, baseCommit, worktree, baseMerge }) => ({
          name,
          path: p,
          branch,
          baseCommit,
          worktree,
          ...(baseMerge ? { baseMerge: { ...baseMerge, merged: Object.keys(baseMerge.merged).length } } : {}),
        })),
      },
    });
    // A conflict-resolution run: what the daemon merged, and where the markers are, after the prompt.
    const mergeNote = baseMergeNote(ws.repos);
    const wrapper = await writePlatformWrapper(ws.privateDir, deps.program);
    const facts = { runId: run.runId, spec, workspace: ws.dir, wrapper };
    const cwd = ws.repos.length === 1 ? ws.repos[0]!.path : ws.dir;
    // The run writes only its ticket workspace; it reads the repositories' caches (git status, log).
    const launch = launcherFor(deps.confinement ?? UNCONFINED, {
      writable: [ws.dir],
      readable: ws.repos.map((r) => deps.workspaces.layout.mirror(r.url)),
    });
    // The daemon writes in the workspace following no link the agent left there (no-follow.ts).
    const hooksHome = await mkdirNoFollow(ws.dir, path.join(ws.privateDir, 'hooks-home'));
    const cliDir = await mkdirNoFollow(ws.dir, path.join(ws.privateDir, `cli-${spec.agent.adapter}`));
    hookContext = { cwd, env: { ...openaseEnv(facts), HOME: hooksHome }, launch };
    run.started();

    if (!run.stopReason) {
      const claim = await hooks('on_claim');
      if (!claim.passed) throw new RunFailure(`${hookFailed('on_claim')} ${describeGateFailure(claim.outcomes)}`);
    }
    if (!run.stopReason) {
      session = await deps.startSession({
        spec: {
          ...spec.agent,
          ...(mergeNote ? { prompt: `${spec.agent.prompt}\n\n${mergeNote}` } : {}),
          env: agentProcessEnv(facts),
        },
        workdir: cwd,
        privateDir: cliDir,
        onEvent: (event) => run.emit(event),
        launch,
        askPerson: (ask) => run.requestApproval(ask),
      });
    }
    let input: string | undefined;
    let decision: RunNextFrame | null = null;
    let lastTurn = 0;
    while (session && !run.stopReason) {
      const before = await hooks('before_turn');
      if (!before.passed) throw new RunFailure(`${hookFailed('before_turn')} ${describeGateFailure(before.outcomes)}`);
      if (run.stopReason) break;
      const turn: TurnOutcome = await session.runTurn(input);
      run.rememberSession(session.sessionId ?? turn.sessionId);
      if (run.stopReason) break;
      // The session refused to start a turn (its turn limit): reporting the old turn number again
      // would only get the same answer back, so the run ends here.
      if (turn.turn <= lastTurn)
        throw new RunFailure(turn.message ?? `the agent session refused turn ${lastTurn + 1} (${turn.reason})`);
      lastTurn = turn.turn;
      const turnNo = turn.turn;
      const after = await hooks('after_turn');
      const settled = await settleTurn(deps.workspaces, ws, spec, turnNo, (event) => run.emit(event));
      const error = [turn.ok ? undefined : (turn.message ?? turn.reason), settled.error].filter(Boolean).join('; ');
      const sessionId = session.sessionId ?? turn.sessionId;
      decision = await run.ask({
        type: 'run.turn',
        turn: turnNo,
        ok: turn.ok,
        ...(sessionId ? { sessionId } : {}),
        afterTurnFailed: !after.passed,
        pathViolations: settled.pathViolations,
        commits: settled.commits,
        ...(turn.resetAt ? { rateLimitResetAt: turn.resetAt } : {}),
        ...(error ? { error: error.slice(0, 4000) } : {}),
        deniedTools: (turn.deniedTools ?? []).slice(0, 1000),
      });
      while (decision?.action === 'finish') {
        run.emit({ type: 'progress', message: `the agent asked to finish: running ${hookWords('before_finish')}` });
        const gate = await hooks('before_finish');
        const output = gate.passed ? '' : describeGateFailure(gate.outcomes).slice(0, GATE_OUTPUT_MAX);
        decision = await run.ask({ type: 'run.gate', turn: turnNo, passed: gate.passed, output });
      }
      if (!decision) break;
      if (decision.action === 'stop') {
        const succeeded = decision.outcome === 'succeeded';
        endHooks = succeeded ? 'on_done' : 'on_error';
        outcome = {
          exitCode: succeeded ? 0 : 1,
          reason: decision.reason ?? (succeeded ? 'succeeded' : 'stopped by the control plane'),
        };
        break;
      }
      input = decision.input ?? DEFAULT_CONTINUE_INPUT;
      // A person's message (steering): in the transcript with its author.
      if (decision.author) run.emit({ type: 'message', role: 'user', text: input, author: decision.author });
    }
  } catch (err) {
    const message = err instanceof RunFailure ? err.message : `the agent run failed: ${(err as Error).message}`;
    run.emit({
      type: 'error',
      message: message.slice(0, 8000),
      fatal: true,
      code: err instanceof RunFailure ? 'hook_failed' : 'agent_run_failed',
    });
    outcome = { exitCode: 1, reason: message.split('\n')[0]!.slice(0, 500) };
    endHooks = 'on_error';
  }
  if (run.stopReason) {
    endHooks = 'on_cancel';
    outcome = { exitCode: null, reason: run.stopReason === 'daemon_stopped' ? DAEMON_STOPPED : run.stopReason };
  }
  try {
    if (hookContext && endHooks) await hooks(endHooks);
  } catch (err) {
    run.emit({ type: 'error', message: `${hookWords(endHooks ?? '')}: ${(err as Error).message}`, fatal: false });
  }
  clearTimeout(closeTimer);
  await session
    ?.close()
    .catch((err: Error) => run.emit({ type: 'error', message: `closing the agent CLI: ${err.message}`, fatal: false }));
  deps.log(`run ${run.runId}: agent run ended (${outcome.reason ?? `exit ${outcome.exitCode}`})`);
  run.end(outcome);
}
