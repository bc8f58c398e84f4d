/**
 * The custom adapter: any program that reads the turn's prompt on stdin and prints normalized run
 * events as JSON lines (see docs/agents.md). One process per turn, started as
 * `command ...args` in the worktree with:
 *   OPENASE_TURN                 1, 2, … (the platform turn)
 *   OPENASE_RESUME_SESSION_ID    the session to continue (the spec's, or what turn 1 reported)
 *   OPENASE_AGENT_SPEC_FILE      the run spec as JSON (model, tools, skills, system prompt…; no env)
 *   OPENASE_SYSTEM_PROMPT_FILE   the rendered harness as a file
 *   OPENASE_PRIVATE_DIR          a directory only this run uses
 * plus the spec's env. Exit 0 = the turn succeeded unless it printed `{"type":"result","ok":false}`.
 */
import path from 'node:path';
import { badRequest } from '@openase/shared/errors';
import { cliEnv, startCliProcess } from '../common/cli-process.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import { perTurnProcessSession, type RunTurnProcess } from '../common/per-turn-session.js';
import type { StartAgentSession, TurnOutcome } from '../common/types.js';
import { costFromPricing } from '../common/usage.js';
import { parseCustomLine } from './event-lines.js';
import { mkdirNoFollow, writeFileNoFollow } from '../../workspace/no-follow.js';

export const startCustomSession: StartAgentSession = async ({ spec, workdir, privateDir, onEvent, launch }) => {
  if (!spec.command)
    throw badRequest(
      'the custom adapter needs `command` (the program to run each turn, speaking the event-lines contract)',
    );
  const dir = await mkdirNoFollow(privateDir, path.join(privateDir, 'custom'));
  const specFile = path.join(dir, 'spec.json');
  const promptFile = path.join(dir, 'system-prompt.md');
  const { env: _secrets, ...publicSpec } = spec;
  await writeFileNoFollow(dir, specFile, JSON.stringify(publicSpec, null, 2));
  await writeFileNoFollow(dir, promptFile, spec.systemPrompt);
  const turns = new TurnTracker(spec.maxTurns, onEvent);
  let sessionId = spec.resumeSessionId;

  const runProcess: RunTurnProcess = async (turn, input, control) => {
    const env = await cliEnv(privateDir, spec.env, {
      OPENASE_TURN: String(turn),
      OPENASE_RESUME_SESSION_ID: sessionId,
      OPENASE_AGENT_SPEC_FILE: specFile,
      OPENASE_SYSTEM_PROMPT_FILE: promptFile,
      OPENASE_PRIVATE_DIR: privateDir,
    });
    let result: { ok: boolean; text?: string; reason?: string } | undefined;
    let lastText: string | undefined;
    let rateLimit: { resetAt?: string } | undefined;
    const usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    let costed = false;
    const proc = startCliProcess({
      launch,
      command: spec.command!,
      args: spec.args,
      cwd: workdir,
      env,
      stdin: 'pipe',
      onEvent,
      onStdoutLine: (line) => {
        const event = parseCustomLine(line, turn);
        if (event.type === 'session.started') sessionId = event.sessionId;
        if (event.type === 'message' && event.role === 'assistant' && !event.delta) lastText = event.text;
        if (event.type === 'result') result = event;
        if (event.type === 'rate_limit') rateLimit = { ...(event.resetAt ? { resetAt: event.resetAt } : {}) };
        if (event.type === 'cost') costed = true;
        if (event.type === 'usage') {
          usage.inputTokens += event.inputTokens;
          usage.outputTokens += event.outputTokens;
          usage.cachedTokens += event.cachedTokens;
        }
        onEvent(event);
      },
    });
    control.current = proc;
    proc.child.stdin?.end(input);
    const exit = await proc.exited;
    control.current = undefined;
    if (!costed && spec.pricing && (usage.inputTokens > 0 || usage.outputTokens > 0)) {
      onEvent({ type: 'cost', usd: costFromPricing(usage, spec.pricing), source: 'pricing', turn });
    }
    const text = result?.text ?? lastText;
    const ok = exit.code === 0 && result?.ok !== false && !control.interrupted;
    const common = { usage, ...(text ? { text } : {}), ...(sessionId ? { sessionId } : {}) };
    if (ok) {
      if (!result) onEvent({ type: 'result', ok: true, ...(text ? { text } : {}) });
      return { ok: true, reason: 'completed', ...common };
    }
    const message =
      result?.reason ??
      (result?.ok === false
        ? (result.text ?? 'the agent reported failure')
        : exitMessage(spec.command!, exit, proc.stderrTail()));
    const reason: TurnOutcome['reason'] = control.interrupted
      ? 'interrupted'
      : rateLimit
        ? 'rate_limited'
        : exit.spawnError
          ? 'config'
          : 'failed';
    onEvent({ type: 'error', message, fatal: true, code: exit.code !== null ? `exit_${exit.code}` : 'cli_exited' });
    if (!result) onEvent({ type: 'result', ok: false, reason: message });
    return { ok: false, reason, message, ...common, ...(rateLimit?.resetAt ? { resetAt: rateLimit.resetAt } : {}) };
  };

  return perTurnProcessSession({ prompt: spec.prompt, turns, sessionId: () => sessionId, runProcess });
};
