/**
 * The state of a repository on the fake GitHub (fake-github.ts) — pull requests, reviews, issues, checks — and
 * the JSON views of it GitHub's REST API and webhooks show.
 */
export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged_at: string | null;
  merge_commit_sha: string | null;
  sha: string;
  conflicting: boolean;
}
export interface FakeReview {
  id: number;
  user: { login: string };
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  body: string;
  commit_id: string;
  submitted_at: string;
  comments: Array<{ path: string; line: number; body: string; side?: 'LEFT' | 'RIGHT' }>;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  updated_at: string;
}
export interface FakeRepo {
  gitDir?: string;
  issues: FakeIssue[];
  pulls: FakePull[];
  reviews: Map<number, FakeReview[]>;
  checkRuns: Array<{ head_sha: string; name: string; status: string; conclusion: string | null }>;
  statuses: Array<{ sha: string; context: string; state: string }>;
  deletedRefs: string[];
}

export const pullView = (full: string, p: FakePull) => ({
  number: p.number,
  html_url: `https://github.com/${full}/pull/${p.number}`,
  state: p.state,
  title: p.title,
  body: p.body,
  merged_at: p.merged_at,
  merge_commit_sha: p.merge_commit_sha,
  mergeable: p.state === 'open' ? !p.conflicting : null,
  mergeable_state: p.conflicting ? 'dirty' : 'clean',
  head: { ref: p.head, sha: p.sha },
  base: { ref: p.base },
});
export const repoPayload = (full: string) => ({ repository: { full_name: full } });
export const issueView = (full: string, i: FakeIssue) => ({
  number: i.number,
  html_url: `https://github.com/${full}/issues/${i.number}`,
  title: i.title,
  body: i.body || null,
  labels: i.labels.map((name) => ({ name })),
  state: i.state,
  state_reason: i.state_reason,
  updated_at: i.updated_at,
});

/** The input of an issue edit as GitHub's PATCH takes it (labels as names or objects, the whole list). */
export interface IssueChange {
  title?: string;
  body?: string | null;
  labels?: Array<string | { name: string }>;
  state?: string;
  state_reason?: string;
}

/** Applies an issue edit; `updatedAt` is its new `updated_at`. */
export function changeIssue(i: FakeIssue, input: IssueChange, updatedAt: string): void {
  if (input.title !== undefined) i.title = input.title;
  if (input.body !== undefined) i.body = input.body ?? '';
  if (input.labels) i.labels = input.labels.map((l) => (typeof l === 'string' ? l : l.name));
  if (input.state === 'open' || input.state === 'closed') {
    if (input.state !== i.state) i.state_reason = input.state === 'closed' ? 'completed' : 'reopened';
    i.state = input.state;
  }
  if (input.state_reason) i.state_reason = input.state_reason as FakeIssue['state_reason'];
  i.updated_at = updatedAt;
}
