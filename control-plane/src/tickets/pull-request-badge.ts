/**
 * What a board card shows of a ticket's pull requests: their checks and reviews as the GitHub sync
 * stored them (integrations/github/status.ts computes each pull request's; this sums up a ticket's).
 */
import type { ChecksState, ReviewVerdict } from '../integrations/github/status.js';

export interface PullRequestBadge {
  /** Across the ticket's open (or last) pull requests: failure > pending > success > none. */
  checks: ChecksState;
  review: ReviewVerdict;
  state: string;
  url: string;
}

/** What a board card shows of a ticket's pull requests (several repositories: the worst of each). */
export function pullRequestBadge(
  rows: Array<{ checks: string | null; review: string | null; state: string; url: string }>,
): PullRequestBadge | null {
  if (!rows.length) return null;
  const open = rows.filter((r) => r.state === 'open');
  const shown = open.length ? open : rows;
  const checks = (['failure', 'pending', 'success'] as const).find((c) => shown.some((r) => r.checks === c)) ?? 'none';
  const review = shown.some((r) => r.review === 'changes_requested')
    ? 'changes_requested'
    : shown.every((r) => r.review === 'approved')
      ? 'approved'
      : 'none';
  return { checks, review, state: shown[0]!.state, url: shown[0]!.url };
}
