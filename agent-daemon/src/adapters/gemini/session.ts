/**
 * The Gemini session driver: Gemini CLI has no long-lived headless mode, so each turn is one
 * `gemini -p` process; turns after the first (and runs continuing a ticket) pass `--resume`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirNoFollow, writeFileNoFollow } from '../../workspace/no-follow.js';
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { cliEnv, startCliProcess, type CliProcess } from '../common/cli-process.js';
import { writeSkills } from '../common/skills.js';
import { parseResetAt } from '../common/rate-limit.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import { perTurnProcessSession, type RunTurnProcess } from '../common/per-turn-session.js';
import type { StartAgentSession, TurnOutcome } from '../common/types.js';
import { usageEvents } from '../common/usage.js';
import { unconfinedLauncher, type Launcher } from '../../sandbox/confine.js';
import { GEMINI_EXIT_CODES, geminiArgs, geminiConfigDir, geminiEnv, geminiSettings } from './launch.js';
import { GeminiStreamMapper, type GeminiResult } from './stream-mapper.js';
import { parseRetryNotice, serverErrorExhausted } from './retry-notice.js';

export const startGeminiSession: StartAgentSession = async ({ spec, workdir, privateDir, onEvent, launch }) => {
  const configDir = geminiConfigDir(privateDir);
  await mkdirNoFollow(privateDir, configDir);
  const settings = JSON.stringify(geminiSettings(spec), null, 2);
  await writeFileNoFollow(configDir, path.join(configDir, 'settings.json'), settings, 0o600);
  // The rendered harness as the user-level context file: Gemini has no "append system prompt".
  await writeFileNoFollow(configDir, path.join(configDir, 'GEMINI.md'), spec.systemPrompt);
  await writeSkills(await mkdirNoFollow(configDir, path.join(configDir, 'skills')), spec.skills);
  const env = await cliEnv(privateDir, spec.env, geminiEnv(spec, privateDir));
  const mapper = new GeminiStreamMapper({
    rules: spec.tools,
    workdir,
    existedBefore: (file) => trackedByGit(workdir, file, launch),
    mcpServers: Object.keys(spec.mcpServers),
  });
  const turns = new TurnTracker(spec.maxTurns, onEvent);
  let resume = spec.resumeSessionId;

  const runProcess: RunTurnProcess = async (turn, input, control) => {
    let result: GeminiResult | undefined;
    let resetAt: string | undefined;
    let rateLimited = false;
    const emit = (event: RunEvent) => {
      if (event.type === 'rate_limit') {
        rateLimited = true;
        resetAt = event.resetAt ?? resetAt;
      }
      onEvent(event);
    };
    let stopping = false;
    let serverError: string | undefined;
    let serverStatus: number | undefined;
    const proc: CliProcess = startCliProcess({
      launch,
      command: spec.command ?? 'gemini',
      args: geminiArgs(spec, input, resume),
      cwd: workdir,
      env,
      stdin: 'ignore',
      onEvent: (event) => {
        onEvent(event);
        // Gemini retries failed requests with backoff, saying so only on stderr. A 429 whose
        // provider stated a reset time: stop here and let the platform park the ticket until
        // then. A 5xx past the allowed retries: stop and fail the turn with the provider's message.
        const line = event.type === 'output' ? event.text : '';
        const notice = parseRetryNotice(line);
        if (notice && !stopping) {
          const stated = notice.status === 429 ? parseResetAt(notice.body ?? line) : undefined;
          if (stated) {
            stopping = true;
            emit({ type: 'rate_limit', message: line.slice(0, 500), resetAt: stated });
            void proc.stop();
          } else if (serverErrorExhausted(notice, spec.provider.maxRetries)) {
            stopping = true;
            serverError = `the model API returned HTTP ${notice.status} ${notice.attempt} times${notice.providerMessage ? `: ${notice.providerMessage}` : ''}`;
            serverStatus = notice.status;
            void proc.stop();
          }
        }
      },
      onStdoutLine: (line) => {
        const mapped = mapper.map(line);
        mapped.events.forEach(emit);
        if (mapped.result) result = mapped.result;
      },
    });
    control.current = proc;
    const exit = await proc.exited;
    control.current = undefined;
    mapper.flushText().forEach(emit);
    if (mapper.sessionId) resume = mapper.sessionId;
    const usage = result?.usage ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    usageEvents(turn, usage, spec.pricing).forEach(emit);
    const text = mapper.lastText;
    mapper.lastText = undefined;
    if (exit.code === 0 && result?.ok !== false && !stopping && !control.interrupted) {
      emit({ type: 'result', ok: true, ...(text ? { text } : {}) });
      return {
        ok: true,
        reason: 'completed',
        ...(text ? { text } : {}),
        usage,
        ...(resume ? { sessionId: resume } : {}),
      };
    }
    // Stopped by us: the exit code is the signal's, not one of Gemini's own.
    const known = exit.code !== null && !serverError ? GEMINI_EXIT_CODES[exit.code] : undefined;
    const detail =
      result?.error ??
      serverError ??
      (rateLimited
        ? 'rate limited by the model API'
        : control.interrupted
          ? 'interrupted by the platform'
          : undefined) ??
      (exit.spawnError || !known
        ? exitMessage('gemini', exit, proc.stderrTail())
        : proc.stderrTail().split('\n').at(-1));
    const message = known
      ? `${known.message} (exit ${exit.code})${detail ? `: ${detail}` : ''}`
      : (detail ?? 'gemini failed');
    const reason: TurnOutcome['reason'] =
      control.interrupted && !rateLimited ? 'interrupted' : rateLimited ? 'rate_limited' : (known?.reason ?? 'failed');
    emit({
      type: 'error',
      message,
      fatal: true,
      code: serverStatus ? `api_${serverStatus}` : exit.code !== null ? `exit_${exit.code}` : 'cli_exited',
    });
    emit({ type: 'result', ok: false, reason: message });
    return {
      ok: false,
      reason,
      message,
      usage,
      ...(resetAt ? { resetAt } : {}),
      ...(resume ? { sessionId: resume } : {}),
    };
  };

  return perTurnProcessSession({ prompt: spec.prompt, turns, sessionId: () => resume, runProcess });
};

/**
 * A file git tracks existed before the turn (the daemon commits after every turn). Asked inside
 * the run's sandbox: git reads the worktree's config, which the agent may have written.
 */
function trackedByGit(workdir: string, file: string, launch: Launcher = unconfinedLauncher): boolean {
  try {
    const cmd = launch({ command: 'git', args: ['ls-files', '--error-unmatch', '--', file], cwd: workdir });
    execFileSync(cmd.command, cmd.args, { cwd: workdir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
