import type { CliProcess } from './cli-process.js';
import type { TurnTracker } from './turns.js';
import type { AgentSession, TurnOutcome } from './types.js';

/** What a turn's process sees of its session: register the running process, ask whether it was interrupted. */
export interface TurnProcessControl {
  current: CliProcess | undefined;
  readonly interrupted: boolean;
}

/** Runs one turn's process: the turn number, its input, the session's control; the outcome without the turn. */
export type RunTurnProcess = (
  turn: number,
  input: string,
  control: TurnProcessControl,
) => Promise<Omit<TurnOutcome, 'turn'>>;

/**
 * A session for CLIs that run one process per turn (Gemini, custom programs): the first turn
 * sends the spec's prompt, later turns need an input; interrupt and close stop the running process.
 */
export function perTurnProcessSession(options: {
  prompt: string;
  turns: TurnTracker;
  sessionId: () => string | undefined;
  runProcess: RunTurnProcess;
}): AgentSession {
  const { turns } = options;
  const control = { current: undefined as CliProcess | undefined, interrupted: false };
  let closed = false;
  let firstTurn = true;
  return {
    get sessionId() {
      return options.sessionId();
    },
    async runTurn(input) {
      if (closed) return { turn: turns.turn, ok: false, reason: 'interrupted', message: 'the session is closed' };
      const started = turns.begin(input ?? (firstTurn ? options.prompt : undefined));
      firstTurn = false;
      if (!('done' in started)) return started;
      control.interrupted = false;
      turns.finish(await options.runProcess(started.turn, started.input, control));
      return started.done;
    },
    async interrupt() {
      control.interrupted = true;
      await control.current?.stop();
    },
    async close() {
      closed = true;
      control.interrupted = true;
      await control.current?.stop();
    },
  };
}
