import { describe, expect, it } from 'vitest';
import { parseRetryNotice, serverErrorExhausted } from './retry-notice.js';

// As Gemini CLI 0.61 prints it on stderr (one line; the stack trace follows on other lines).
const notice = (attempt: number, status: number) =>
  `Attempt ${attempt} failed with status ${status}. Retrying with backoff... _ApiError: {"error":{"code":${status},"message":"fake internal error 5e2b","status":"INTERNAL"}}`;

describe('gemini retry notices', () => {
  it('reads the attempt, the status and the provider message', () => {
    expect(parseRetryNotice(notice(3, 500))).toMatchObject({
      attempt: 3,
      status: 500,
      providerMessage: 'fake internal error 5e2b',
    });
    expect(parseRetryNotice('Attempt 1 failed with status 503. Retrying with backoff...')).toEqual({
      attempt: 1,
      status: 503,
    });
    // A body cut off mid-message (the line was clipped): no message rather than a wrong one.
    expect(
      parseRetryNotice('Attempt 2 failed with status 500. _ApiError: {"error":{"message":"cut off')?.providerMessage,
    ).toBeUndefined();
    expect(
      parseRetryNotice(
        'Attempt 2 failed with status 500. _ApiError: {"error":{"message":"escaped \\" quote","code":500',
      )?.providerMessage,
    ).toBe('escaped \\" quote');
    expect(parseRetryNotice('    at async retryWithBackoff (file:///x.js:1:2)')).toBeNull();
  });

  it('stops a 5xx after the allowed retries (default 2), never a 429 or a 4xx', () => {
    expect(serverErrorExhausted(parseRetryNotice(notice(2, 500))!, undefined)).toBe(false);
    expect(serverErrorExhausted(parseRetryNotice(notice(3, 500))!, undefined)).toBe(true);
    expect(serverErrorExhausted(parseRetryNotice(notice(1, 502))!, 0)).toBe(true);
    expect(serverErrorExhausted(parseRetryNotice(notice(5, 429))!, 0)).toBe(false);
    expect(serverErrorExhausted(parseRetryNotice(notice(9, 400))!, 0)).toBe(false);
  });
});
