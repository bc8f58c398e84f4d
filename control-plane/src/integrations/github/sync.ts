/**
 * Brings one pull request's state from GitHub onto its ticket (the webhook handler and the poller
 * both end here; GitHub's API is the truth, a webhook only says when to look):
 * - the row: state, head, mergeability, checks (with details) and the reviews' verdict — the card's badges;
 * - a reviewer's "request changes" on the current head → a `changes_requested` review round (the
 *   review's body and line comments reach the next run, review/feedback.ts);
 * - every open pull request of the ticket approved on its head with green checks → approved, so the
 *   ticket enters the workflow's merge status, where GitHub merges it (merge-backend.ts);
 * - merged on GitHub → the workflow's done status; closed unmerged → back to the workflow's
 *   pickup status or Cancelled (the project's merge settings).
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { commentAnchorSchema } from '@openase/shared';
import { projects, pullRequests, runs, statuses, ticketReviews, tickets } from '../../db/schema.js';
import type { Tx } from '../../db/database.js';
import type { Actor, Deps } from '../../kernel/context.js';
import { inTransaction, type Changes } from '../../kernel/transaction.js';
import { aboutTicket, recordActivity } from '../../activity/activity.js';
import { applyMove, type Ticket } from '../../tickets/tickets.js';
import { recordReview } from '../../review/reviews.js';
import { reviewFlowFor } from '../../review/workflow.js';
import { githubAccess, type GithubAccess } from './client.js';
import { checksGreen, combineChecks, reviewVerdict, type ReviewLike } from './status.js';

export type PullRow = typeof pullRequests.$inferSelect;
export type SyncOutcome =
  'unchanged' | 'changes_requested' | 'approved' | 'merged' | 'closed' | 'no_token' | 'not_github';

/** The author GitHub's verdicts are recorded under: "octocat on GitHub". */
export function githubActor(orgId: string, login?: string): Actor {
  return { type: 'system', id: 'github', name: login ? `${login} on GitHub` : 'GitHub', orgId, role: 'admin' };
}

/** The latest agent run's agent: whose GITHUB_TOKEN serves when the project has no token of its own. */
export async function ticketAgentId(db: Deps['db'], ticketId: string): Promise<string | null> {
  const [run] = await db
    .select({ agentId: runs.agentId })
    .from(runs)
    .where(and(eq(runs.ticketId, ticketId), eq(runs.kind, 'agent')))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return run?.agentId ?? null;
}

export async function syncPullRequest(deps: Deps, row: PullRow): Promise<SyncOutcome> {
  if (!row.remote) return 'not_github';
  const [ticket] = await deps.db.select().from(tickets).where(eq(tickets.id, row.ticketId));
  if (!ticket) return 'unchanged';
  const access = await githubAccess(deps, ticket.projectId, await ticketAgentId(deps.db, ticket.id));
  if (!access) return 'no_token';
  const [owner, repo] = row.remote.split('/') as [string, string];
  const gh = { owner, repo };
  const { data: pull } = await access.octokit.rest.pulls.get({ ...gh, pull_number: row.number });
  const head = pull.head.sha;
  const [reviews, checkRuns, combined] = await Promise.all([
    access.octokit.paginate(access.octokit.rest.pulls.listReviews, { ...gh, pull_number: row.number, per_page: 100 }),
    access.octokit.rest.checks.listForRef({ ...gh, ref: head, per_page: 100 }).then((r) => r.data.check_runs),
    access.octokit.rest.repos.getCombinedStatusForRef({ ...gh, ref: head, per_page: 100 }).then((r) => r.data.statuses),
  ]);
  const { checks, details } = combineChecks(checkRuns, combined);
  const verdict = reviewVerdict(reviews as ReviewLike[], head);
  const state = pull.merged_at ? 'merged' : pull.state;
  const now = deps.clock.now();
  await deps.db
    .update(pullRequests)
    .set({
      state,
      headSha: head,
      url: pull.html_url,
      checks,
      checkDetails: details,
      review: verdict.verdict,
      mergeable: pull.mergeable ?? null,
      mergedAt: pull.merged_at ? new Date(pull.merged_at) : null,
      syncedAt: now,
      updatedAt: now,
    })
    .where(eq(pullRequests.id, row.id));

  if (state === 'merged' && row.state !== 'merged') return closeTicket(deps, ticket, row, 'merged');
  if (state === 'closed' && row.state === 'open') return closeTicket(deps, ticket, row, 'closed');
  if (state !== 'open') return 'unchanged';
  const asking = verdict.changesRequested[0];
  if (asking) return requestChanges(deps, access, ticket, row, asking);
  const approval = verdict.approvals[0];
  if (approval && checksGreen(checks)) return approve(deps, ticket, row, approval);
  return 'unchanged';
}

/** A GitHub review's line comments as ticket line comments (anchored to file:line of the diff). */
async function lineComments(access: GithubAccess, row: PullRow, reviewId: number) {
  const [owner, repo] = row.remote!.split('/') as [string, string];
  const { data } = await access.octokit.rest.pulls.listCommentsForReview({
    owner,
    repo,
    pull_number: row.number,
    review_id: reviewId,
    per_page: 100,
  });
  return data.flatMap((c) => {
    const anchor = commentAnchorSchema.safeParse({
      repo: row.repository,
      path: c.path,
      line: c.line ?? c.original_line ?? 1,
      side: c.side === 'LEFT' ? 'old' : 'new',
    });
    return anchor.success && c.body.trim() ? [{ anchor: anchor.data, body: c.body.trim().slice(0, 8000) }] : [];
  });
}

/** Locks the ticket and runs `work` if it still waits for review (its review or merge status). */
async function whileWaiting<T>(
  deps: Deps,
  ticketId: string,
  work: (tx: Tx, changes: Changes, ticket: Ticket, orgId: string) => Promise<T>,
): Promise<T | null> {
  return inTransaction(deps, async (tx, changes) => {
    const [locked] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
    if (!locked) return null;
    const flow = await reviewFlowFor(tx, locked);
    if (!flow?.reviewStatusIds.includes(locked.statusId)) return null;
    const [project] = await tx
      .select({ orgId: projects.orgId })
      .from(projects)
      .where(eq(projects.id, locked.projectId));
    return work(tx, changes, locked, project!.orgId);
  });
}

async function recorded(tx: Tx, ticketId: string, externalId: string): Promise<boolean> {
  const [seen] = await tx
    .select({ id: ticketReviews.id })
    .from(ticketReviews)
    .where(and(eq(ticketReviews.ticketId, ticketId), eq(ticketReviews.externalId, externalId)));
  return !!seen;
}

async function requestChanges(
  deps: Deps,
  access: GithubAccess,
  ticket: Ticket,
  row: PullRow,
  review: ReviewLike,
): Promise<SyncOutcome> {
  const externalId = `github:${row.remote}#${row.number}:review:${review.id}`;
  // Read outside the transaction (a call to GitHub); cheap to waste when the review was recorded already.
  const [seenBefore] = await deps.db
    .select({ id: ticketReviews.id })
    .from(ticketReviews)
    .where(and(eq(ticketReviews.ticketId, ticket.id), eq(ticketReviews.externalId, externalId)));
  if (seenBefore) return 'unchanged';
  const notes = await lineComments(access, row, review.id);
  const done = await whileWaiting(deps, ticket.id, async (tx, changes, locked, orgId) => {
    if (await recorded(tx, locked.id, externalId)) return false;
    const body = (review.body ?? '').trim().slice(0, 8000);
    await recordReview(tx, deps, changes, githubActor(orgId, review.user?.login ?? 'someone'), locked, {
      state: 'changes_requested',
      source: 'github',
      body: body || (notes.length ? '' : `Changes requested on pull request #${row.number}.`),
      comments: notes,
      externalId,
    });
    return true;
  });
  return done ? 'changes_requested' : 'unchanged';
}

async function approve(deps: Deps, ticket: Ticket, row: PullRow, review: ReviewLike): Promise<SyncOutcome> {
  const externalId = `github:${row.remote}#${row.number}:review:${review.id}`;
  const done = await whileWaiting(deps, ticket.id, async (tx, changes, locked, orgId) => {
    if (await recorded(tx, locked.id, externalId)) return false;
    // Every open pull request of the ticket must be approved with green checks (several repositories).
    const all = await tx.select().from(pullRequests).where(eq(pullRequests.ticketId, locked.id));
    if (all.some((p) => p.state === 'open' && (p.review !== 'approved' || !checksGreen(p.checks)))) return false;
    await recordReview(tx, deps, changes, githubActor(orgId, review.user?.login ?? 'someone'), locked, {
      state: 'approved',
      source: 'github',
      body: '',
      comments: [],
      externalId,
    });
    return true;
  });
  return done ? 'approved' : 'unchanged';
}

/** Merged → the workflow's done status; closed unmerged → its pickup status, or Cancelled (merge settings). */
async function closeTicket(deps: Deps, ticket: Ticket, row: PullRow, how: 'merged' | 'closed'): Promise<SyncOutcome> {
  return inTransaction(deps, async (tx, changes) => {
    const [locked] = await tx.select().from(tickets).where(eq(tickets.id, ticket.id)).for('update');
    if (!locked) return 'unchanged';
    const [current] = await tx.select().from(statuses).where(eq(statuses.id, locked.statusId));
    if (current?.stage === 'completed' || current?.stage === 'canceled') return 'unchanged';
    const [project] = await tx.select().from(projects).where(eq(projects.id, locked.projectId));
    const flow = await reviewFlowFor(tx, locked);
    const byStage = async (stage: 'completed' | 'canceled') =>
      (
        await tx
          .select()
          .from(statuses)
          .where(and(eq(statuses.projectId, locked.projectId), eq(statuses.stage, stage)))
          .orderBy(asc(statuses.position))
          .limit(1)
      )[0];
    const cancel = how === 'closed' && project!.closedPullRequest === 'cancel';
    const targetId =
      how === 'merged'
        ? (flow?.merge?.doneStatusId ?? (await byStage('completed'))?.id)
        : cancel
          ? (await byStage('canceled'))?.id
          : flow?.reworkStatusId;
    const [target] = targetId ? await tx.select().from(statuses).where(eq(statuses.id, targetId)) : [];
    const actor = githubActor(project!.orgId);
    const summary =
      how === 'merged'
        ? `pull request #${row.number} of ${locked.identifier} was merged on GitHub`
        : `pull request #${row.number} of ${locked.identifier} was closed without merging on GitHub`;
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(locked),
      action: how === 'merged' ? 'ticket.merged' : 'ticket.pull_request_closed',
      summary,
      after: { repository: row.repository, number: row.number, url: row.url },
    });
    if (target && target.id !== locked.statusId)
      await applyMove(tx, deps, changes, actor, locked, target, { why: summary });
    return how;
  });
}
