import type { CliProcess } from './cli-process.js';
import type { TurnTracker } from './turns.js';
import type { AgentSession, TurnOutcome } from './types.js';

/** Shared state of adapters that start one CLI process per turn (Gemini, custom). */
export interface PerTurnState {
  /** The process of the running turn, if any. */
  current: CliProcess | undefined;
  /** Set by interrupt()/close(): the running turn ends as `interrupted`. */
  interrupted: boolean;
}

/**
 * The session around a per-turn process: turn bookkeeping, interrupt = stop the turn's process,
 * close = stop it and refuse further turns.
 */
export function perTurnSession(turns: TurnTracker, state: PerTurnState, sessionId: () => string | undefined, runTurnProcess: (input: string) => Promise<Omit<TurnOutcome, 'turn'>>): AgentSession {
  let closed = false;
  return {
    get sessionId() {
      return sessionId();
    },
    async runTurn(input) {
      if (closed) return { turn: turns.turn, ok: false, reason: 'interrupted', message: 'the session is closed' };
      const started = turns.begin(input);
      if (!('done' in started)) return started;
      state.interrupted = false;
      turns.finish(await runTurnProcess(started.input));
      return started.done;
    },
    async interrupt() {
      state.interrupted = true;
      await state.current?.stop();
    },
    async close() {
      closed = true;
      state.interrupted = true;
      await state.current?.stop();
    },
  };
}
