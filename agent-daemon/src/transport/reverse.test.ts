import { describe, expect, it } from 'vitest';
import { backoffDelay, wsUrl } from './reverse.js';

describe('reverse transport helpers', () => {
  it('backs off from 1 s doubling to at most 64 s, jittered into the upper half', () => {
    const high = (n: number) => backoffDelay(n, 1000, 64_000, () => 1);
    const low = (n: number) => backoffDelay(n, 1000, 64_000, () => 0);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 30].map(high)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 64_000, 64_000,
    ]);
    expect(low(0)).toBe(500);
    expect(low(10)).toBe(32_000);
  });

  it('derives the WebSocket URL from the control plane URL', () => {
    expect(wsUrl('http://cp:19836')).toBe('ws://cp:19836/agent/ws');
    expect(wsUrl('https://cp.example/base/')).toBe('wss://cp.example/base/agent/ws');
  });
});
