import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { comesBack, errorMessage, isPermanent, isUnreachable, withoutCliHint } from './errors';

describe('console error wording', () => {
  it('drops the CLI hint the server adds for terminal users', () => {
    expect(withoutCliHint('project "nope" does not exist; `openase project list` shows the projects you can use')).toBe(
      'project "nope" does not exist',
    );
    expect(withoutCliHint("ACME-1's project has no repository; add one with `openase repo add URL`")).toBe(
      "ACME-1's project has no repository",
    );
    expect(withoutCliHint('the title is required')).toBe('the title is required');
  });

  it('tells errors a retry cannot fix from the others', () => {
    expect(isPermanent('project "nope" does not exist')).toBe(true);
    expect(isPermanent('cannot reach the server; check that it is running and try again')).toBe(false);
  });

  it('says the server cannot be reached when no control plane answered, whatever the transport made of it', () => {
    for (const err of [
      new TRPCClientError('Failed to fetch'),
      new TRPCClientError(`Unexpected token '<', "<html>" is not valid JSON`),
      TRPCClientError.from(new Event('error') as never),
    ]) {
      expect(isUnreachable(err)).toBe(true);
      expect(errorMessage(err)).toMatch(/cannot reach the server/);
    }
    const answered = TRPCClientError.from({
      error: { code: -32603, message: 'no', data: { code: 'FORBIDDEN', httpStatus: 403 } },
    } as never);
    expect(isUnreachable(answered)).toBe(false);
  });

  it('waits for the server to come back when it is unreachable or says it is shutting down, not on other answers', () => {
    const answer = (appCode: string) =>
      TRPCClientError.from({ error: { code: -32603, message: 'x', data: { appCode } } } as never);
    expect(comesBack(new TRPCClientError('Failed to fetch'))).toBe(true);
    expect(comesBack(answer('UNAVAILABLE'))).toBe(true);
    expect(comesBack(answer('CONFLICT'))).toBe(false);
    expect(comesBack(new Error('boom'))).toBe(false);
  });
});
