/**
 * Review and merge contracts: line comments (a ticket comment anchored to file:line of the
 * branch's diff), a person's review (approve / request changes), the diff a reviewer reads, and
 * the project's merge settings. See docs/review.md.
 */
import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { MERGE_METHODS } from '../protocol/git-ops.js';

const ticketRef = z.string().trim().min(1).max(100);
const projectRef = z.string().trim().min(1).max(100);

/** Where a line comment points: a line of the new (or old) side of a file in the ticket's diff. */
export const commentAnchorSchema = z.object({
  /** The repository, when the project has several. */
  repo: z.string().max(100).optional(),
  path: z.string().trim().min(1, 'a line comment needs a file path').max(4096),
  line: z.number().int().min(1, 'line numbers start at 1'),
  /** new: a line of the branch (added or unchanged); old: a removed line, numbered in the base. */
  side: z.enum(['new', 'old']).default('new'),
  /** The branch head the reviewer read. */
  commit: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .optional(),
  /** The line's text as the reviewer saw it (quoted to the agent). */
  text: z.string().max(2000).optional(),
});
export type CommentAnchor = z.infer<typeof commentAnchorSchema>;

const reviewBody = z
  .string()
  .trim()
  .max(LIMITS.commentMax, `a review comment has at most ${LIMITS.commentMax} characters`);

export const REVIEW_VERDICTS = ['approve', 'request_changes'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];
/** How a review is stored: a person's or the git host's verdict, or the platform's merge conflict. */
export const STORED_REVIEW_STATES = ['approved', 'changes_requested', 'merge_conflict'] as const;
export type StoredReviewState = (typeof STORED_REVIEW_STATES)[number];

/** A request for changes needs a comment: this one, a line comment with it, or line comments written in the round. */
export const ticketReviewInput = z.object({
  ticket: ticketRef,
  verdict: z.enum(REVIEW_VERDICTS),
  /** The review's summary (optional when approving, or when the round has line comments). */
  body: reviewBody.optional(),
  /** Line comments submitted with the review (comments added earlier in the round count too). */
  comments: z
    .array(z.object({ anchor: commentAnchorSchema, body: reviewBody.min(1, 'a line comment needs a body') }))
    .max(200)
    .default([]),
});

export const ticketDiffInput = z.object({
  ticket: ticketRef,
  /** Only what this run changed (a run id or its first characters). */
  run: z
    .string()
    .trim()
    .min(4, 'a run is named by its id or its first 4 characters or more (`openase run list` shows them)')
    .max(100, 'a run is named by its id (36 characters)')
    .optional(),
  /** Only the per-file counts. */
  stat: z.boolean().default(false),
});

export const CLOSED_PULL_REQUEST_ACTIONS = ['rework', 'cancel'] as const;
export const projectMergeSettingsSchema = z.object({
  /** How an approved ticket's branch lands on the default branch. */
  mergeMethod: z.enum(MERGE_METHODS).default('merge'),
  /** Delete the ticket branch on the remote after it merged. */
  deleteBranch: z.boolean().default(true),
  /** A pull request closed without merging sends the ticket back to its workflow (rework) or cancels it. */
  closedPullRequest: z.enum(CLOSED_PULL_REQUEST_ACTIONS).default('rework'),
});
export type ProjectMergeSettings = z.infer<typeof projectMergeSettingsSchema>;
export const projectMergeSettingsInput = z.object({
  project: projectRef,
  mergeMethod: z.enum(MERGE_METHODS).optional(),
  deleteBranch: z.boolean().optional(),
  closedPullRequest: z.enum(CLOSED_PULL_REQUEST_ACTIONS).optional(),
});

/**
 * A project's GitHub connection (docs/review.md): the token the platform calls GitHub with
 * (pull requests, their checks and reviews, merging), the secret GitHub signs webhooks with, and
 * the API base (GitHub Enterprise). Secrets are write-only: reads say whether one is set.
 */
export const projectGithubInput = z.object({
  project: projectRef,
  /** A fine-grained token with pull requests, checks, statuses, contents (read and write); '' removes it. */
  token: z.string().trim().max(400).optional(),
  /** The webhook secret configured on GitHub; '' removes it (webhooks are then refused). */
  webhookSecret: z.string().max(400).optional(),
  apiUrl: z.string().trim().url('the API URL must be a URL such as https://api.github.com').max(400).optional(),
});

/**
 * GitHub Issues as a ticket source (docs/review.md): `repo` links the project to that repository's
 * issues (admins; `off` unlinks), then the issues are imported and synced both ways now.
 */
export const projectGithubIssuesInput = z.object({
  project: projectRef,
  repo: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'the repository is OWNER/NAME, as on GitHub')
    .max(200)
    .optional(),
  off: z.boolean().default(false),
});
