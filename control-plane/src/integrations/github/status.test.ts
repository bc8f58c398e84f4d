import { describe, expect, it } from 'vitest';
import { checksGreen, combineChecks, reviewVerdict } from './status.js';
import { pullRequestBadge } from '../../tickets/pull-request-badge.js';
import { signPayload, verifySignature } from './webhooks.js';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

describe('checks of a pull request head', () => {
  it('adds check runs and commit statuses up: failure, then pending, then success; none without any', () => {
    expect(combineChecks([], []).checks).toBe('none');
    const ok = { name: 'test', status: 'completed', conclusion: 'success' };
    expect(combineChecks([ok, { name: 'lint', status: 'completed', conclusion: 'skipped' }], []).checks).toBe(
      'success',
    );
    expect(combineChecks([ok], [{ context: 'ci/deploy', state: 'pending' }]).checks).toBe('pending');
    const failed = combineChecks(
      [ok, { name: 'e2e', status: 'in_progress', conclusion: null }],
      [{ context: 'ci', state: 'error', target_url: 'https://ci.example/1' }],
    );
    expect(failed.checks).toBe('failure');
    expect(failed.details).toContainEqual({ name: 'ci', state: 'failure', url: 'https://ci.example/1' });
    expect([checksGreen('success'), checksGreen('none'), checksGreen('pending'), checksGreen(null)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('reviews of a pull request', () => {
  const review = (id: number, login: string, state: string, commit = HEAD) => ({
    id,
    state,
    commit_id: commit,
    submitted_at: `2026-01-01T00:00:0${id}Z`,
    user: { login },
  });
  it("counts each reviewer's latest verdict on the current head; one request for changes outweighs approvals", () => {
    expect(reviewVerdict([], HEAD).verdict).toBe('none');
    expect(reviewVerdict([review(1, 'ann', 'APPROVED')], HEAD).verdict).toBe('approved');
    expect(reviewVerdict([review(1, 'ann', 'APPROVED'), review(2, 'bob', 'CHANGES_REQUESTED')], HEAD).verdict).toBe(
      'changes_requested',
    );
    // Bob changed his mind; comments do not count.
    const later = reviewVerdict(
      [review(1, 'bob', 'CHANGES_REQUESTED'), review(2, 'bob', 'APPROVED'), review(3, 'ann', 'COMMENTED')],
      HEAD,
    );
    expect(later).toMatchObject({ verdict: 'approved', approvals: [{ id: 2 }], changesRequested: [] });
    // A review of an older head is stale; a dismissed one is gone.
    expect(reviewVerdict([review(1, 'bob', 'CHANGES_REQUESTED', OLD)], HEAD).verdict).toBe('none');
    expect(reviewVerdict([review(1, 'bob', 'APPROVED'), review(2, 'bob', 'DISMISSED')], HEAD).verdict).toBe('none');
  });

  it('gives the card one badge across repositories: the worst checks, approved only when every one is', () => {
    expect(pullRequestBadge([])).toBeNull();
    const pr = (checks: string, review: string, state = 'open') => ({ checks, review, state, url: 'u' });
    expect(pullRequestBadge([pr('success', 'approved'), pr('pending', 'approved')])).toMatchObject({
      checks: 'pending',
      review: 'approved',
    });
    expect(pullRequestBadge([pr('success', 'approved'), pr('success', 'none')])!.review).toBe('none');
    expect(pullRequestBadge([pr('failure', 'changes_requested', 'merged')])).toMatchObject({
      checks: 'failure',
      state: 'merged',
    });
  });
});

describe('webhook signatures', () => {
  it('accepts the HMAC SHA-256 of the exact body with the secret, nothing else', () => {
    const body = Buffer.from('{"action":"opened"}');
    const good = signPayload('s3cret', body);
    expect(verifySignature('s3cret', body, good)).toBe(true);
    expect(verifySignature('other', body, good)).toBe(false);
    expect(verifySignature('s3cret', Buffer.from('{"action":"closed"}'), good)).toBe(false);
    expect(verifySignature('s3cret', body, undefined)).toBe(false);
    expect(verifySignature('s3cret', body, good.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifySignature('s3cret', body, 'sha256=zz')).toBe(false);
  });
});
