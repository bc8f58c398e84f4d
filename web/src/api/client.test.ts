import { describe, expect, it, vi } from 'vitest';
import { createTRPCClient, retryLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from '@openase/control-plane/trpc';
import { paceRetries, QUERY_ATTEMPTS, readCookie, retryable } from './client';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('openase_csrf', 'a=1; openase_csrf=abc%3D%3D; b=2')).toBe('abc==');
    expect(readCookie('openase_csrf', 'openase_csrf_old=x')).toBeNull();
    expect(readCookie('openase_csrf', '')).toBeNull();
  });
});

describe('retryable', () => {
  // What httpBatchLink makes of a proxy's HTML error page: no tRPC error data.
  const gateway = new TRPCClientError(`Unexpected token '<', "<html>" is not valid JSON`);
  const refused = TRPCClientError.from({
    error: { code: -32603, message: 'no', data: { code: 'FORBIDDEN', httpStatus: 403 } },
  } as never);

  it('retries a read the proxy or the network failed, a few times', () => {
    expect(retryable({ type: 'query' }, gateway, 1)).toBe(true);
    expect(retryable({ type: 'query' }, gateway, QUERY_ATTEMPTS)).toBe(false);
  });
  it('resumes a subscription whose stream the proxy or the network dropped, for as long as it is followed', () => {
    // What httpSubscriptionLink makes of an EventSource that gave up (a 502 on reconnecting).
    const closed = TRPCClientError.from(new Event('error') as never);
    expect(closed.data).toBeUndefined();
    expect(retryable({ type: 'subscription' }, closed, 1)).toBe(true);
    expect(retryable({ type: 'subscription' }, closed, 100)).toBe(true);
    expect(retryable({ type: 'subscription' }, refused as never, 1)).toBe(false);
  });
  it('never retries a mutation or an answer from the control plane', () => {
    expect(retryable({ type: 'mutation' }, gateway, 1)).toBe(false);
    expect(retryable({ type: 'query' }, refused as never, 1)).toBe(false);
  });
});

describe('paceRetries', () => {
  it('backs a dropped subscription off by drops in a row, and starts over once data arrives', async () => {
    vi.useFakeTimers();
    try {
      const pacing = paceRetries({ baseMs: 100, maxMs: 1000 });
      const delays: number[] = [];
      // What each attempt of the stream does: three drop at once, the fourth sends an event and then drops, ….
      const script = [['drop'], ['drop'], ['drop'], ['data', 'drop'], ['drop'], ['drop'], ['data']];
      let attempt = 0;
      const transport: TRPCLink<AppRouter> = () => () =>
        observable((observer) => {
          for (const step of script[attempt++] ?? []) {
            if (step === 'data') observer.next({ result: { type: 'data', data: attempt } } as never);
            else observer.error(TRPCClientError.from(new Event('error') as never));
          }
        });
      const client = createTRPCClient<AppRouter>({
        links: [
          retryLink({
            retry: (o) => pacing.retry(o),
            retryDelayMs: () => {
              delays.push(pacing.retryDelayMs());
              return pacing.retryDelayMs();
            },
          }),
          pacing.link,
          transport,
        ],
      });
      const seen: unknown[] = [];
      const sub = client.runs.onEvents.subscribe({ run: 'r' } as never, { onData: (d) => seen.push(d) });
      for (let i = 0; i < 8; i++) await vi.advanceTimersByTimeAsync(1000);
      sub.unsubscribe();
      expect(seen).toHaveLength(2);
      // Not 200, 400, 800, 1000, 1000, 1000: the event after the third drop resets the count.
      expect(delays).toEqual([200, 400, 800, 200, 400, 800]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets a call that was left while it waited to retry', async () => {
    vi.useFakeTimers();
    try {
      const pacing = paceRetries({ baseMs: 100, maxMs: 1000 });
      const transport: TRPCLink<AppRouter> = () => () =>
        observable((observer) => observer.error(TRPCClientError.from(new Event('error') as never)));
      const client = createTRPCClient<AppRouter>({
        links: [
          retryLink({ retry: (o) => pacing.retry(o), retryDelayMs: () => pacing.retryDelayMs() }),
          pacing.link,
          transport,
        ],
      });
      const left = client.runs.onEvents.subscribe({ run: 'a' } as never, { onData: () => {} });
      await vi.advanceTimersByTimeAsync(50);
      left.unsubscribe(); // during the wait after its first drop: nothing comes back to clear its count
      expect(pacing.tracked()).toBe(1);
      await vi.advanceTimersByTimeAsync(60_000);
      const later = client.runs.onEvents.subscribe({ run: 'b' } as never, { onData: () => {} });
      await vi.advanceTimersByTimeAsync(50);
      expect(pacing.tracked()).toBe(1); // the new call only
      later.unsubscribe();
    } finally {
      vi.useRealTimers();
    }
  });
});
