/**
 * The `custom` adapter: any program that speaks the normalized event vocabulary. Each turn is one
 * process `command ...args` in the workdir, with the turn's input on stdin and `OPENASE_TURN` in
 * its environment. Every stdout line that is a valid normalized run event (shared/src/events) is
 * passed on as is; any other line becomes a `raw` event. Exit code 0 = the turn completed.
 * The scripted stand-in agent of the tests (test-support/stand-in-agent.mjs) is such a program.
 */
import { runEventSchema } from '@openase/shared';
import { cliEnv, rawEvent, startCliProcess } from '../common/cli-process.js';
import { perTurnProcessSession, type TurnProcessControl } from '../common/per-turn-session.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import type { AgentSession, StartAgentSessionOptions, TurnOutcome } from '../common/types.js';

export async function startCustomSession({ spec, workdir, privateDir, onEvent }: StartAgentSessionOptions): Promise<AgentSession> {
  if (!spec.command) throw new Error('the custom adapter needs `command` (the program to run each turn)');
  const command = spec.command;
  const turns = new TurnTracker(spec.maxTurns, onEvent);

  const runProcess = async (turn: number, input: string, control: TurnProcessControl): Promise<Omit<TurnOutcome, 'turn'>> => {
    const env = await cliEnv(privateDir, spec.env, { OPENASE_TURN: String(turn) });
    let lastText: string | undefined;
    const proc = startCliProcess({
      command,
      args: spec.args,
      cwd: workdir,
      env,
      stdin: 'pipe',
      onEvent,
      onStdoutLine: (line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          onEvent(rawEvent('custom', line));
          return;
        }
        const event = runEventSchema.safeParse(parsed);
        if (!event.success) return onEvent(rawEvent('custom', line));
        if (event.data.type === 'message' && event.data.role === 'assistant' && !event.data.delta) lastText = event.data.text;
        onEvent(event.data);
      },
    });
    control.current = proc;
    proc.child.stdin?.end(input);
    const exit = await proc.exited;
    control.current = undefined;
    if (exit.code === 0) return { ok: true, reason: 'completed', ...(lastText ? { text: lastText } : {}) };
    const message = exitMessage(command, exit, proc.stderrTail());
    onEvent({ type: 'error', message, fatal: true, code: control.interrupted ? 'interrupted' : 'cli_exited' });
    return { ok: false, reason: control.interrupted ? 'interrupted' : exit.spawnError ? 'config' : 'failed', message };
  };

  return perTurnProcessSession({ prompt: spec.prompt, turns, sessionId: () => undefined, runProcess });
}
