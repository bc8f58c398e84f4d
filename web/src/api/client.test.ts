import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { QUERY_ATTEMPTS, readCookie, retryableRead } from './client';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('openase_csrf', 'a=1; openase_csrf=abc%3D%3D; b=2')).toBe('abc==');
    expect(readCookie('openase_csrf', 'openase_csrf_old=x')).toBeNull();
    expect(readCookie('openase_csrf', '')).toBeNull();
  });
});

describe('retryableRead', () => {
  // What httpBatchLink makes of a proxy's HTML error page: no tRPC error data.
  const gateway = new TRPCClientError(`Unexpected token '<', "<html>" is not valid JSON`);
  const refused = TRPCClientError.from({
    error: { code: -32603, message: 'no', data: { code: 'FORBIDDEN', httpStatus: 403 } },
  } as never);

  it('retries a read the proxy or the network failed, a few times', () => {
    expect(retryableRead({ type: 'query' }, gateway, 1)).toBe(true);
    expect(retryableRead({ type: 'query' }, gateway, QUERY_ATTEMPTS)).toBe(false);
  });
  it('never retries a mutation or an answer from the control plane', () => {
    expect(retryableRead({ type: 'mutation' }, gateway, 1)).toBe(false);
    expect(retryableRead({ type: 'query' }, refused as never, 1)).toBe(false);
  });
});
