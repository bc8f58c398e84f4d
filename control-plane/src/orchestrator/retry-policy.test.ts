import { describe, expect, it } from 'vitest';
import { decideRetry, retryDelayMs } from './retry-policy.js';

describe('retry policy', () => {
  it('backs off 10 s, 20 s, 40 s … capped at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('retries until max attempts, then parks with the reason', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(decideRetry({ attempts: 1, maxAttempts: 3, now, endedAs: 'failed' })).toEqual({
      action: 'retry',
      at: new Date('2026-01-01T00:00:10Z'),
      reason: 'attempt 1 of 3 failed; retrying in 10 s',
    });
    expect(decideRetry({ attempts: 2, maxAttempts: 3, now, endedAs: 'timed_out' })).toMatchObject({
      action: 'retry',
      at: new Date('2026-01-01T00:00:20Z'),
    });
    const parked = decideRetry({ attempts: 3, maxAttempts: 3, now, endedAs: 'stalled' });
    expect(parked).toMatchObject({ action: 'park' });
    expect(parked.reason).toBe(
      'stopped after 3 of 3 attempts (last run stalled); retry the ticket or move it to try again',
    );
    // The state in words, as the ticket shows it.
    expect(decideRetry({ attempts: 1, maxAttempts: 3, now, endedAs: 'timed_out', why: 'ran too long' }).reason).toBe(
      'attempt 1 of 3 timed out: ran too long; retrying in 10 s',
    );
  });

  it('waits for a stated rate-limit reset without using an attempt', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const reset = new Date('2026-01-01T01:00:00Z');
    expect(decideRetry({ attempts: 3, maxAttempts: 3, now, endedAs: 'failed', rateLimitResetAt: reset })).toMatchObject(
      { action: 'wait_for_reset', at: reset },
    );
    // A reset time already past is ignored.
    expect(
      decideRetry({
        attempts: 1,
        maxAttempts: 3,
        now,
        endedAs: 'failed',
        rateLimitResetAt: new Date('2025-12-31T00:00:00Z'),
      }).action,
    ).toBe('retry');
  });
});
