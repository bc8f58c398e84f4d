import { describe, expect, it } from 'vitest';
import { isRateLimit, parseResetAt } from './rate-limit.js';

const now = Date.parse('2026-11-24T10:00:00Z');

describe('parseResetAt', () => {
  it('reads an ISO time', () => {
    expect(parseResetAt('Rate limited until 2026-11-24T11:30:00Z, sorry', now)).toBe('2026-11-24T11:30:00.000Z');
  });
  it('reads a unix epoch in seconds or ms', () => {
    expect(parseResetAt('Claude AI usage limit reached|1795500000', now)).toBe(
      new Date(1795500000 * 1000).toISOString(),
    );
    expect(parseResetAt('{"resets_at": 1795500000000}', now)).toBe(new Date(1795500000000).toISOString());
  });
  it('reads a delay relative to now', () => {
    expect(parseResetAt('Please retry in 30s.', now)).toBe('2026-11-24T10:00:30.000Z');
    expect(parseResetAt('try again in 5 minutes', now)).toBe('2026-11-24T10:05:00.000Z');
    expect(parseResetAt('retry after 2 hours', now)).toBe('2026-11-24T12:00:00.000Z');
  });
  it('reads a local time of day (codex) as its next occurrence, a minute late rather than early', () => {
    const local = new Date(now);
    const later = new Date(now + 90 * 60_000);
    const hh = later.getHours() % 12 || 12;
    const text = `You’ve hit your usage limit. Try again at ${hh}:${String(later.getMinutes()).padStart(2, '0')} ${later.getHours() >= 12 ? 'PM' : 'AM'}.`;
    expect(parseResetAt(text, local.getTime())).toBe(new Date(now + 91 * 60_000).toISOString());
    const earlier = new Date(now - 2 * 3_600_000);
    const h24 = `${earlier.getHours()}:${String(earlier.getMinutes()).padStart(2, '0')}`;
    expect(parseResetAt(`try again at ${h24}`, now)).toBe(new Date(now + 22 * 3_600_000 + 60_000).toISOString());
  });
  it('reads the dated form codex uses when the reset falls on another day', () => {
    const expected = new Date(2026, 10, 25, 0, 8, 0, 0).getTime() + 60_000; // local time, a minute late
    expect(parseResetAt('You’ve hit your usage limit. Try again at Nov 25th, 2026 12:08 AM.', now)).toBe(
      new Date(expected).toISOString(),
    );
    expect(parseResetAt('Try again at Dec 1st, 2026 3:15 PM.', now)).toBe(
      new Date(new Date(2026, 11, 1, 15, 15).getTime() + 60_000).toISOString(),
    );
  });
  it('says nothing when nothing is stated', () => {
    expect(parseResetAt('API Error: 500 internal', now)).toBeUndefined();
  });
});

describe('isRateLimit', () => {
  it('recognizes 429s and rate-limit wording only', () => {
    expect(isRateLimit('whatever', 429)).toBe(true);
    expect(isRateLimit('API Error: 429 {"type":"rate_limit_error"}')).toBe(true);
    expect(isRateLimit('Quota exceeded for metric')).toBe(true);
    expect(isRateLimit('API Error: 500 fake internal error', 500)).toBe(false);
  });
});
