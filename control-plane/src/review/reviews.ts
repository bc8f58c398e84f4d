/**
 * The review loop. A verdict on a ticket waiting for review (a person's, the git host's, or the
 * platform's merge conflict) is recorded once and acted on:
 *
 * - changes requested / merge conflict → the round closes (`review_round` + 1), the ticket goes
 *   back to its workflow's rework status with fresh attempts, and the next run's first prompt
 *   carries the round's comments with their file:line anchors (review/feedback.ts);
 * - approved → when the workflow declares a merge step the ticket enters the merge status, where
 *   the platform merges it (review/merge.ts); otherwise the approval is recorded and a person
 *   moves it on.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import {
  badRequest,
  conflict,
  forbidden,
  ticketReviewInput,
  type CommentAnchor,
  type StoredReviewState,
} from '@openase/shared';
import { comments, statuses, ticketReviews, tickets, workflows, workflowVersions } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { requireRole, roleInProject } from '../auth/permissions.js';
import { applyMove, lockTicket, type Ticket } from '../tickets/tickets.js';
import { authorOf } from '../tickets/comments.js';
import { reviewFlowFor, type ReviewFlow } from './workflow.js';
import { inReviewRound } from './feedback.js';

export interface ReviewRecord {
  state: StoredReviewState;
  source: 'person' | 'github' | 'platform';
  body: string;
  comments: Array<{ anchor: CommentAnchor; body: string }>;
  /** The git host's review id: the same review delivered twice is recorded once. */
  externalId?: string;
}

export interface ReviewOutcome {
  ticket: string;
  state: StoredReviewState;
  /** The round this verdict closed or approved. */
  round: number;
  movedTo: string | null;
  /** Recorded earlier already (a redelivered webhook). */
  duplicate: boolean;
}

const VERB: Record<StoredReviewState, string> = {
  approved: 'approved',
  changes_requested: 'requested changes on',
  merge_conflict: 'could not merge',
};

/** A person's review from the console or `openase ticket review`. */
export const submitReview: Command<typeof ticketReviewInput, ReviewOutcome> = async (deps, actor, raw) => {
  if (actor.type === 'agent') throw forbidden('an agent cannot review tickets; a person approves or requests changes');
  const input = ticketReviewInput.parse(raw);
  return inTransaction(deps, async (tx, changes) => {
    const ticket = await lockTicket(tx, actor.orgId, input.ticket);
    // At least a member of the ticket's project (a project role may lower or raise the organization's).
    requireRole(actor, 'member', 'review tickets', await roleInProject(tx, actor, ticket.projectId));
    if (input.verdict === 'request_changes' && !input.body && !input.comments.length) {
      const [lineComment] = await tx
        .select({ id: comments.id })
        .from(comments)
        .where(
          and(
            inReviewRound(comments.ticketId, comments.reviewRound, ticket.id, ticket.reviewRound),
            isNotNull(comments.anchor),
          ),
        )
        .limit(1);
      if (!lineComment)
        throw badRequest('say what to change: a request for changes needs a comment, or line comments on the diff');
    }
    return recordReview(tx, deps, changes, actor, ticket, {
      state: input.verdict === 'approve' ? 'approved' : 'changes_requested',
      source: 'person',
      body: input.body ?? '',
      comments: input.comments,
    });
  });
};

/** Records a verdict on a locked ticket and moves it as the verdict says (see the file comment). */
export async function recordReview(
  tx: Tx,
  deps: Pick<Deps, 'clock' | 'ids'>,
  changes: Changes,
  actor: Actor,
  ticket: Ticket,
  review: ReviewRecord,
): Promise<ReviewOutcome> {
  const base = { ticket: ticket.identifier, state: review.state, round: ticket.reviewRound };
  if (review.externalId) {
    const [seen] = await tx
      .select({ id: ticketReviews.id })
      .from(ticketReviews)
      .where(and(eq(ticketReviews.ticketId, ticket.id), eq(ticketReviews.externalId, review.externalId)));
    if (seen) return { ...base, movedTo: null, duplicate: true };
  }
  const flow = await reviewFlowFor(tx, ticket);
  const [status] = await tx.select().from(statuses).where(eq(statuses.id, ticket.statusId));
  const waiting = flow && (flow.reviewStatusIds.includes(ticket.statusId) || flow.merge?.statusId === ticket.statusId);
  if (!flow || !waiting) {
    const where = flow
      ? `its workflow ${flow.workflow.name} reviews in ${await names(tx, flow.reviewStatusIds)}`
      : await reviewedWhere(tx, ticket.projectId);
    throw conflict(
      `${ticket.identifier} is in ${status?.name ?? 'another status'}, not waiting for review${where ? ` (${where})` : ''}`,
    );
  }
  const now = deps.clock.now();
  const reviewId = deps.ids.uuid();
  await tx.insert(ticketReviews).values({
    id: reviewId,
    ticketId: ticket.id,
    round: ticket.reviewRound,
    state: review.state,
    source: review.source,
    ...authorOf(actor),
    body: review.body,
    externalId: review.externalId ?? null,
    createdAt: now,
  });
  const texts = [
    ...(review.body ? [{ anchor: null, body: review.body }] : []),
    ...review.comments.map((c) => ({ anchor: c.anchor, body: c.body })),
  ];
  for (const c of texts)
    await tx.insert(comments).values({
      id: deps.ids.uuid(),
      ticketId: ticket.id,
      ...authorOf(actor),
      body: c.body,
      anchor: c.anchor,
      reviewRound: ticket.reviewRound,
      reviewId,
      createdAt: now,
      updatedAt: now,
    });
  const reworks = review.state !== 'approved';
  const [updated] = await tx
    .update(tickets)
    .set({
      reviewState: review.state,
      ...(reworks
        ? { reviewRound: ticket.reviewRound + 1, attemptCount: 0, parkedReason: null, nextRetryAt: null }
        : {}),
      mergeError: null,
      updatedAt: now,
    })
    .where(eq(tickets.id, ticket.id))
    .returning();
  await recordActivity(tx, deps, changes, actor, {
    ...aboutTicket(ticket),
    action: `ticket.${review.state}`,
    summary: `${VERB[review.state]} ${ticket.identifier} (review round ${ticket.reviewRound}${texts.length ? `, ${texts.length} comment${texts.length === 1 ? '' : 's'}` : ''})`,
    // The first text goes with the entry (like a comment's): what was said reaches the inbox and channels.
    after: {
      round: ticket.reviewRound,
      source: review.source,
      comments: texts.length,
      reviewId,
      body: firstText(texts),
    },
  });
  const targetId = reworks ? flow.reworkStatusId : flow.merge?.statusId;
  if (!targetId || targetId === ticket.statusId) return { ...base, movedTo: null, duplicate: false };
  const [target] = await tx.select().from(statuses).where(eq(statuses.id, targetId));
  const why = reworks
    ? `review round ${ticket.reviewRound}: ${review.state === 'merge_conflict' ? 'the merge conflicted' : `changes requested by ${actor.name}`}`
    : `approved by ${actor.name}`;
  await applyMove(tx, deps, changes, actor, updated!, target!, { why, extra: { round: ticket.reviewRound } });
  return { ...base, movedTo: target!.name, duplicate: false };
}

/** The review's summary, else its first line comment with its place ("greet.js:3: keep this line"). */
function firstText(texts: Array<{ anchor: { path: string; line: number } | null; body: string }>): string | null {
  const first = texts[0];
  if (!first) return null;
  return first.anchor ? `${first.anchor.path}:${first.anchor.line}: ${first.body}` : first.body;
}

/** "tickets are reviewed in In Review": the finish statuses of the project's active workflows. */
async function reviewedWhere(tx: Tx, projectId: string): Promise<string> {
  const rows = await tx
    .select({ finish: workflowVersions.finishStatusIds })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(and(eq(workflows.projectId, projectId), eq(workflows.active, true)));
  const ids = [...new Set(rows.flatMap((r) => r.finish))];
  return ids.length ? `tickets are reviewed in ${await names(tx, ids)}` : 'no active workflow has a review status';
}

async function names(tx: Tx, ids: string[]): Promise<string> {
  const rows = await tx.select({ id: statuses.id, name: statuses.name }).from(statuses);
  return ids.map((id) => rows.find((r) => r.id === id)?.name ?? '?').join(' or ');
}

export type { ReviewFlow };
