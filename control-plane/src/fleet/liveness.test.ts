import { afterEach, expect, it, vi } from 'vitest';
import { captureLogger } from '../kernel/logger.js';
import { checkSilence, SILENT_CLOSE_GRACE_MS } from './liveness.js';
import type { Session } from './session.js';

afterEach(() => vi.useRealTimers());

it('asks a silent session to close once, then drops the connection a peer never answers', () => {
  vi.useFakeTimers({ now: 1_000_000 });
  const calls: string[] = [];
  const sink = {
    send: () => {},
    close: (code: number) => calls.push(`close ${code}`),
    terminate: () => calls.push('terminate'),
  };
  const session = { machineName: 'box', sink, paused: false, lastSeen: Date.now() - 46_000, lastPing: 0 } as unknown;
  const { log, lines } = captureLogger();
  const thresholds = { heartbeatMs: 15_000, disconnectAfterMs: 45_000, lostAfterMs: 120_000 };
  for (let i = 0; i < 3; i++) checkSilence([session as Session], thresholds, log);
  // It was said and asked on every sweep (once a second), and the socket waited 30 s for the answer.
  expect(calls).toEqual(['close 4408']);
  expect(lines()).toEqual(['[fleet] box: silent for 46 s; closing the session']);
  vi.advanceTimersByTime(SILENT_CLOSE_GRACE_MS);
  checkSilence([session as Session], thresholds, log);
  expect(calls).toEqual(['close 4408', 'terminate']);
  expect(lines()).toHaveLength(1);
});
