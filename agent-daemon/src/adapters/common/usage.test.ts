import { describe, expect, it } from 'vitest';
import { CumulativeCounter, costFromPricing, usageEvents } from './usage.js';

describe('usage', () => {
  it('diffs cumulative counters per turn (codex: 29104 then 39030 → 9926)', () => {
    const counter = new CumulativeCounter<{ input: number }>();
    expect(counter.next({ input: 29104 })).toEqual({ input: 29104 });
    expect(counter.next({ input: 39030 })).toEqual({ input: 9926 });
  });

  it('starts over when a counter falls, and can take a baseline from a resumed thread', () => {
    const counter = new CumulativeCounter<{ input: number }>();
    counter.next({ input: 100 });
    expect(counter.next({ input: 30 })).toEqual({ input: 30 });
    counter.reset({ input: 500 });
    expect(counter.next({ input: 520 })).toEqual({ input: 20 });
  });

  it('prices uncached input, cached input and output separately', () => {
    const pricing = { input: 3, output: 15, cached: 0.3 };
    expect(
      costFromPricing({ inputTokens: 1_000_000, outputTokens: 100_000, cachedTokens: 500_000 }, pricing),
    ).toBeCloseTo(1.5 + 0.15 + 1.5);
    expect(usageEvents(2, { inputTokens: 10, outputTokens: 1, cachedTokens: 0 }, undefined)).toEqual([
      { type: 'usage', turn: 2, inputTokens: 10, outputTokens: 1, cachedTokens: 0 },
    ]);
    expect(usageEvents(1, { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 0 }, pricing)[1]).toEqual({
      type: 'cost',
      usd: 3,
      source: 'pricing',
      turn: 1,
    });
  });
});
