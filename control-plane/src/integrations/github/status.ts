/**
 * What a pull request's checks and reviews add up to, as plain functions of what GitHub returns:
 * - checks: every check run and commit status of the head — failure if one failed, pending while
 *   one runs, success when all passed, none when the head has none;
 * - reviews: each reviewer's latest verdict on the current head (a review of an older commit is
 *   stale, as GitHub's "dismiss stale approvals" has it) — changes_requested if one reviewer asks
 *   for changes, approved if one approves and nobody asks for changes, else none.
 */
export type ChecksState = 'none' | 'pending' | 'success' | 'failure';
export type ReviewVerdict = 'none' | 'approved' | 'changes_requested';

export interface CheckRunLike {
  name: string;
  status: string;
  conclusion: string | null;
  html_url?: string | null;
}
export interface CommitStatusLike {
  context: string;
  state: string;
  target_url?: string | null;
}
export interface CheckDetail {
  name: string;
  state: Exclude<ChecksState, 'none'>;
  url?: string;
}

const PASSED = new Set(['success', 'neutral', 'skipped']);

export function combineChecks(
  checkRuns: CheckRunLike[],
  statuses: CommitStatusLike[],
): { checks: ChecksState; details: CheckDetail[] } {
  const details: CheckDetail[] = [
    ...checkRuns.map((r) => ({
      name: r.name,
      state: r.status !== 'completed' ? ('pending' as const) : PASSED.has(r.conclusion ?? '') ? 'success' : 'failure',
      ...(r.html_url ? { url: r.html_url } : {}),
    })),
    ...statuses.map((s) => ({
      name: s.context,
      state: s.state === 'pending' ? ('pending' as const) : s.state === 'success' ? 'success' : 'failure',
      ...(s.target_url ? { url: s.target_url } : {}),
    })),
  ] as CheckDetail[];
  const checks: ChecksState = !details.length
    ? 'none'
    : details.some((d) => d.state === 'failure')
      ? 'failure'
      : details.some((d) => d.state === 'pending')
        ? 'pending'
        : 'success';
  return { checks, details };
}

/** Green enough to merge: every check passed, or the repository runs none. */
export function checksGreen(checks: string | null): boolean {
  return checks === 'success' || checks === 'none';
}

export interface ReviewLike {
  id: number;
  state: string;
  body?: string | null;
  commit_id?: string | null;
  submitted_at?: string | null;
  user?: { login: string } | null;
}

export function reviewVerdict<R extends ReviewLike>(
  reviews: R[],
  headSha: string,
): { verdict: ReviewVerdict; changesRequested: R[]; approvals: R[] } {
  const latest = new Map<string, R>();
  for (const r of [...reviews].sort(
    (a, b) => (a.submitted_at ?? '').localeCompare(b.submitted_at ?? '') || a.id - b.id,
  )) {
    const who = r.user?.login ?? '?';
    if (r.state === 'DISMISSED') latest.delete(who);
    else if ((r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED') && r.commit_id === headSha) latest.set(who, r);
  }
  const current = [...latest.values()];
  const changesRequested = current.filter((r) => r.state === 'CHANGES_REQUESTED');
  const approvals = current.filter((r) => r.state === 'APPROVED');
  return {
    verdict: changesRequested.length ? 'changes_requested' : approvals.length ? 'approved' : 'none',
    changesRequested,
    approvals,
  };
}
