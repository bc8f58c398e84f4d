import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { QUERY_ATTEMPTS, readCookie, retryable } from './client';

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
