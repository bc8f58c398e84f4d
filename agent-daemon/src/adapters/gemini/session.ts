/**
 * The Gemini session driver: Gemini CLI has no long-lived headless mode, so each turn is one
 * `gemini -p` process; turns after the first (and runs continuing a ticket) pass `--resume`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvent } from '@openase/shared';
import { cliEnv, startCliProcess, type CliProcess } from '../common/cli-process.js';
import { writeSkills } from '../common/skills.js';
import { perTurnProcessSession, type TurnProcessControl } from '../common/per-turn-session.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import type { AgentSession, StartAgentSessionOptions, TurnOutcome } from '../common/types.js';
import { usageEvents } from '../common/usage.js';
import { GEMINI_EXIT_CODES, geminiArgs, geminiConfigDir, geminiEnv, geminiSettings } from './launch.js';
import { GeminiStreamMapper, type GeminiResult } from './stream-mapper.js';

export async function startGeminiSession({ spec, workdir, privateDir, onEvent }: StartAgentSessionOptions): Promise<AgentSession> {
  const configDir = geminiConfigDir(privateDir);
  await mkdir(configDir, { recursive: true });
  await writeFile(path.join(configDir, 'settings.json'), JSON.stringify(geminiSettings(spec), null, 2));
  // The rendered harness as the user-level context file: Gemini has no "append system prompt".
  await writeFile(path.join(configDir, 'GEMINI.md'), spec.systemPrompt);
  await writeSkills(path.join(configDir, 'skills'), spec.skills);
  const env = await cliEnv(privateDir, spec.env, geminiEnv(spec, privateDir));
  const mapper = new GeminiStreamMapper(workdir, existsSync);
  const turns = new TurnTracker(spec.maxTurns, onEvent);
  let resume = spec.resumeSessionId;

  const runProcess = async (_turn: number, input: string, control: TurnProcessControl): Promise<Omit<TurnOutcome, 'turn'>> => {
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
    const proc = startCliProcess({
      command: spec.command ?? 'gemini',
      args: geminiArgs(spec, input, resume),
      cwd: workdir,
      env,
      stdin: 'ignore',
      onEvent,
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
    usageEvents(turns.turn, usage, spec.pricing).forEach(emit);
    const text = mapper.lastText;
    mapper.lastText = undefined;
    if (exit.code === 0 && result?.ok !== false) {
      emit({ type: 'result', ok: true, ...(text ? { text } : {}) });
      return { ok: true, reason: 'completed', ...(text ? { text } : {}), usage, ...(resume ? { sessionId: resume } : {}) };
    }
    const known = exit.code !== null ? GEMINI_EXIT_CODES[exit.code] : undefined;
    const detail = result?.error ?? (exit.spawnError || !known ? exitMessage('gemini', exit, proc.stderrTail()) : proc.stderrTail().split('\n').at(-1));
    const message = known ? `${known.message} (exit ${exit.code})${detail ? `: ${detail}` : ''}` : detail ?? 'gemini failed';
    const reason: TurnOutcome['reason'] = control.interrupted ? 'interrupted' : rateLimited ? 'rate_limited' : known?.reason ?? 'failed';
    emit({ type: 'error', message, fatal: true, code: exit.code !== null ? `exit_${exit.code}` : 'cli_exited' });
    emit({ type: 'result', ok: false, reason: message });
    return { ok: false, reason, message, usage, ...(resetAt ? { resetAt } : {}), ...(resume ? { sessionId: resume } : {}) };
  };

  return perTurnProcessSession({ prompt: spec.prompt, turns, sessionId: () => resume, runProcess });
}
