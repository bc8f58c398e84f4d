import type { RunEvent } from '@openase/shared/events/run-events';
import type { TurnOutcome } from './types.js';

/**
 * Bookkeeping every session driver shares: turn numbers, the platform's turn limit, one turn at a
 * time, and the `turn.started` / `turn.finished` events around each turn.
 */
export class TurnTracker {
  turn = 0;
  private pending: { resolve: (outcome: TurnOutcome) => void; turn: number } | undefined;

  private firstPrompt: string | undefined;

  constructor(
    private readonly maxTurns: number,
    private readonly emit: (event: RunEvent) => void,
    /** What the first turn sends when `runTurn()` gets no input (the spec's prompt). */
    firstPrompt?: string,
  ) {
    this.firstPrompt = firstPrompt;
  }

  get active(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Starts a turn with `input` (the first turn defaults to the spec's prompt), or returns the
   * outcome refusing it (no input, limit reached, turn already running).
   */
  begin(input?: string): { turn: number; input: string; done: Promise<TurnOutcome> } | TurnOutcome {
    const text = input ?? this.firstPrompt;
    this.firstPrompt = undefined;
    if (text === undefined)
      return { turn: this.turn, ok: false, reason: 'failed', message: 'runTurn needs an input after the first turn' };
    if (this.pending)
      return { turn: this.turn, ok: false, reason: 'failed', message: 'a turn is already running in this session' };
    if (this.turn >= this.maxTurns) {
      const outcome: TurnOutcome = {
        turn: this.turn,
        ok: false,
        reason: 'max_turns',
        message: `the run reached its limit of ${this.maxTurns} turns`,
      };
      this.emit({ type: 'error', message: outcome.message!, fatal: true, code: 'max_turns' });
      return outcome;
    }
    this.turn += 1;
    const turn = this.turn;
    const done = new Promise<TurnOutcome>((resolve) => {
      this.pending = { resolve, turn };
    });
    this.emit({ type: 'turn.started', turn });
    return { turn, input: text, done };
  }

  /** Ends the running turn once (later calls are ignored). */
  finish(outcome: Omit<TurnOutcome, 'turn'>): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.emit({ type: 'turn.finished', turn: pending.turn, ok: outcome.ok, reason: outcome.reason });
    pending.resolve({ ...outcome, turn: pending.turn });
  }
}

/** Clear error text for a CLI that exited on its own in the middle of a turn. */
export function exitMessage(
  cli: string,
  exit: { code: number | null; signal: string | null; spawnError?: string },
  stderrTail: string,
): string {
  if (exit.spawnError) return exit.spawnError;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `${cli} ${how}${stderrTail ? `: ${stderrTail.split('\n').slice(-3).join(' | ')}` : ''}`;
}
