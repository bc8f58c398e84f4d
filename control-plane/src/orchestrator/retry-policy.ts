/**
 * When a failed attempt is retried, and when the orchestrator stops retrying. Backoff follows
 * Symphony: `min(10 s · 2^(n−1), 5 min)` after the n-th failed attempt. A provider rate limit that
 * states its reset time parks the ticket until then instead of burning an attempt.
 */
import { RUN_STATE_WORDS, backoffDelay, excerpt, type RunState } from '@openase/shared';

export const RETRY_BASE_MS = 10_000;
export const RETRY_MAX_MS = 5 * 60_000;

/** Delay before attempt n+1, after n failed attempts (n ≥ 1). */
export function retryDelayMs(failedAttempts: number): number {
  return backoffDelay(failedAttempts - 1, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
}

export type RetryDecision =
  | { action: 'retry'; at: Date; reason: string; attemptUsed?: false }
  | { action: 'park'; reason: string }
  | { action: 'wait_for_reset'; at: Date; reason: string };

/**
 * What to do with a ticket whose run ended without finishing it.
 * `attempts` counts runs started so far for the ticket (the failed one included).
 */
export function decideRetry(input: {
  attempts: number;
  maxAttempts: number;
  now: Date;
  endedAs: string;
  rateLimitResetAt?: Date | null;
  /** False = the run never started (e.g. its machine was revoked while it was queued). */
  started?: boolean;
  /** Why the run ended (its state reason): the ticket says it, not only the run's events. */
  why?: string | null;
}): RetryDecision {
  const { attempts, maxAttempts, now } = input;
  // The state in words ("timed out", never `timed_out`): this is the text the ticket shows.
  const state = RUN_STATE_WORDS[input.endedAs as RunState] ?? input.endedAs;
  const ended = `${state}${input.why ? `: ${excerpt(input.why, 300)}` : ''}`;
  if (input.endedAs === 'lost' && input.started === false)
    return {
      action: 'retry',
      at: now,
      reason: 'its machine went away before the run started; placing it again now (no attempt used)',
      attemptUsed: false,
    };
  if (input.rateLimitResetAt && input.rateLimitResetAt > now) {
    return {
      action: 'wait_for_reset',
      at: input.rateLimitResetAt,
      reason: `provider rate limit; waiting until ${input.rateLimitResetAt.toISOString()} (no attempt used)`,
    };
  }
  if (attempts >= maxAttempts) {
    return {
      action: 'park',
      reason: `stopped after ${attempts} of ${maxAttempts} attempts (last run ${ended}); retry the ticket or move it to try again`,
    };
  }
  const delay = retryDelayMs(attempts);
  return {
    action: 'retry',
    at: new Date(now.getTime() + delay),
    reason: `attempt ${attempts} of ${maxAttempts} ${ended}; retrying in ${Math.round(delay / 1000)} s`,
  };
}
