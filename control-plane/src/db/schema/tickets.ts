/** Tickets, their dependencies and comments, pull requests opened for them, and the activity log. */
import { boolean, bigserial, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { PRIORITIES, STORED_REVIEW_STATES } from '@openase/shared';
import { createdAt, tstz, updatedAt, timestamps, cascadeRef, ownedRow, usd, textList, tokenCounts } from './columns.js';
import { projects, statuses } from './projects.js';
import { users } from './identity.js';

export const tickets = pgTable(
  'tickets',
  {
    ...ownedRow('projectId', () => projects.id),
    number: integer('number').notNull(),
    identifier: text('identifier').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    statusId: uuid('status_id')
      .notNull()
      .references(() => statuses.id),
    priority: text('priority', { enum: PRIORITIES }).notNull(),
    labels: textList('labels'),
    parentId: uuid('parent_id'),
    budgetUsd: usd('budget_usd'),
    costUsd: usd('cost_usd').notNull().default(0),
    ...tokenCounts(),
    /** Runs started for this ticket so far (the attempt number of the latest run). */
    attemptCount: integer('attempt_count').notNull().default(0),
    /** Not dispatched again before this time (retry backoff, provider rate-limit reset). */
    nextRetryAt: tstz('next_retry_at'),
    /** Set when the orchestrator stopped retrying (attempts or budget exhausted); cleared by a human retry or move. */
    parkedReason: text('parked_reason'),
    /**
     * The agent asked a person (`openase ticket ask`): "Waiting for input" — not dispatched until answered. The
     * answer is the first prompt of the next run (which resumes the CLI session); both are cleared when it starts.
     */
    question: text('question'),
    questionAskedAt: tstz('question_asked_at'),
    answer: text('answer'),
    answeredBy: text('answered_by'),
    /** Explicit workflow for this ticket, overriding the pickup-status match. */
    workflowId: uuid('workflow_id'),
    /** The review round: 1 until changes are first requested, then one more per request (or merge conflict). */
    reviewRound: integer('review_round').notNull().default(1),
    /** The latest review verdict: approved, changes_requested or merge_conflict (review/reviews.ts). */
    reviewState: text('review_state'),
    /** Why the platform could not merge the ticket (it waits in its merge status until retried). */
    mergeError: text('merge_error'),
    archivedAt: tstz('archived_at'),
    createdBy: text('created_by').notNull(),
    ...timestamps(),
    statusChangedAt: tstz('status_changed_at').notNull(),
  },
  (t) => [
    uniqueIndex('tickets_project_number').on(t.projectId, t.number),
    index('tickets_project_status').on(t.projectId, t.statusId),
    index('tickets_parent').on(t.parentId),
  ],
);

/** `blockerId` blocks `blockedId`. Cycles are refused by the domain before insert. */
export const ticketDependencies = pgTable(
  'ticket_dependencies',
  {
    blockerId: cascadeRef('blocker_id', () => tickets.id),
    blockedId: cascadeRef('blocked_id', () => tickets.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('ticket_dependencies_pair').on(t.blockerId, t.blockedId),
    index('ticket_dependencies_blocked').on(t.blockedId),
  ],
);

/** Who wrote a comment or a review: the actor's type, id and name as they were then. */
const author = () => ({
  authorType: text('author_type').notNull(),
  authorId: text('author_id').notNull(),
  authorName: text('author_name').notNull(),
});

export const comments = pgTable(
  'comments',
  {
    ...ownedRow('ticketId', () => tickets.id),
    ...author(),
    body: text('body').notNull(),
    ...timestamps(),
    revision: integer('revision').notNull().default(1),
    /** A line comment: `{repo?, path, line, side, commit?, text?}` (shared CommentAnchor). */
    anchor: jsonb('anchor'),
    /** The review round the comment was written in (line comments of a round reach the agent's next run). */
    reviewRound: integer('review_round'),
    /** The review it was submitted with, if any. */
    reviewId: uuid('review_id'),
  },
  (t) => [index('comments_ticket').on(t.ticketId)],
);

/**
 * Review verdicts on a ticket, one row each: a person's approval or request for changes, the git
 * host's review (`external_id` = its id, so a webhook delivered twice records it once), or the
 * platform's merge conflict. `round` is the ticket's round the verdict closed or approved.
 */
export const ticketReviews = pgTable(
  'ticket_reviews',
  {
    ...ownedRow('ticketId', () => tickets.id),
    round: integer('round').notNull(),
    state: text('state', { enum: STORED_REVIEW_STATES }).notNull(),
    source: text('source', { enum: ['person', 'github', 'platform'] }).notNull(),
    ...author(),
    body: text('body').notNull().default(''),
    externalId: text('external_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('ticket_reviews_ticket').on(t.ticketId, t.round),
    uniqueIndex('ticket_reviews_external').on(t.ticketId, t.externalId),
  ],
);

/** Every earlier body of a comment, kept when it is edited. */
export const commentRevisions = pgTable(
  'comment_revisions',
  {
    ...ownedRow('commentId', () => comments.id),
    revision: integer('revision').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('comment_revisions_comment_revision').on(t.commentId, t.revision)],
);

/** Pull requests opened for a ticket's branch (GitHub), with their last known state. */
export const pullRequests = pgTable(
  'pull_requests',
  {
    ...ownedRow('ticketId', () => tickets.id),
    repository: text('repository').notNull(),
    branch: text('branch').notNull(),
    number: integer('number').notNull(),
    url: text('url').notNull(),
    state: text('state').notNull(),
    updatedAt: updatedAt(),
    /** `owner/name` on the git host. */
    remote: text('remote'),
    headSha: text('head_sha'),
    /** Combined check runs and statuses of the head: pending, success, failure, or none (no checks). */
    checks: text('checks'),
    /** Per check: `[{name, state, url?}]`. */
    checkDetails: jsonb('check_details'),
    /** The reviews' verdict: approved, changes_requested, or none. */
    review: text('review'),
    mergeable: boolean('mergeable'),
    mergedAt: tstz('merged_at'),
    syncedAt: tstz('synced_at'),
  },
  (t) => [
    uniqueIndex('pull_requests_ticket_repo').on(t.ticketId, t.repository),
    index('pull_requests_remote_number').on(t.remote, t.number),
  ],
);

/**
 * Append-only audit of every change. `seq` is per project and allocated under the project row
 * lock, so streaming by `seq` never skips a late-committing transaction.
 */
export const activity = pgTable(
  'activity',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: uuid('org_id').notNull(),
    projectId: uuid('project_id'),
    seq: integer('seq'),
    ticketId: uuid('ticket_id'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    summary: text('summary').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('activity_project_seq').on(t.projectId, t.seq), index('activity_ticket').on(t.ticketId)],
);

/** A person's saved view of a project's board: its filters (the URL query) under a name, theirs only. */
export const savedViews = pgTable(
  'saved_views',
  {
    ...ownedRow('projectId', () => projects.id),
    userId: cascadeRef('user_id', () => users.id),
    name: text('name').notNull(),
    /** `{ q, label, priority, view }` (shared/src/domain/board.ts savedViewQuerySchema). */
    query: jsonb('query').$type<Record<string, string>>().notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('saved_views_user_project_name').on(t.userId, t.projectId, t.name)],
);
