/**
 * Git operations the control plane asks a daemon for, outside any run: the diff of a ticket's
 * branch (computed where its worktree is, or from the remote through the machine's cache) and the
 * platform's own merge of an approved ticket. One request, any number of `git.chunk` frames (a
 * diff's text, streamed in pieces well under the frame cap), then exactly one `git.reply`:
 *
 *   control plane                         daemon
 *   git.request {requestId, op} ────────▶  git diff --numstat, then git diff streamed
 *                               ◀────────  git.chunk {requestId, repo, data} …
 *                               ◀────────  git.reply {requestId, ok, result | error}
 *
 * The daemon stops reading a diff at `maxBytes` (the reply says `tooLarge`, with every file's
 * counts still listed), so a huge diff never crosses the wire nor fills the control plane.
 */
import * as z from '../zod.js';
import { id, sha } from './fields.js';

const repoSpec = z.object({
  name: z.string().min(1).max(100),
  url: z.string().min(1).max(2000),
  defaultBranch: z.string().min(1).max(200),
});

/** Largest diff text sent for one request; past it the reply says `tooLarge` (default of `maxBytes`). */
export const DIFF_MAX_BYTES = 4 * 1024 * 1024;
/** Files listed with their counts at most (a diff touching more lists the first ones and says so). */
export const DIFF_MAX_FILES = 5000;
/** Size of one `git.chunk` (well under the 4 MiB frame cap, so chunks and other frames interleave). */
export const DIFF_CHUNK_BYTES = 256 * 1024;
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

export const gitDiffOpSchema = z.object({
  kind: z.literal('diff'),
  ticket: z.object({ identifier: z.string().min(1).max(50), branch: z.string().min(1).max(200) }),
  repos: z.array(repoSpec).max(20),
  /**
   * Per repository, an explicit range (a run's base and head commit): diffed in the cache. Without one: the ticket
   * branch against where it left the default branch, in the worktree when this machine holds it (uncommitted changes
   * included), else from the remote.
   */
  ranges: z
    .array(z.object({ repo: z.string().min(1).max(100), from: sha, to: sha }))
    .max(20)
    .default([]),
  /** Only the per-file counts, no text. */
  statOnly: z.boolean().default(false),
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(DIFF_MAX_BYTES),
});

export const gitMergeOpSchema = z.object({
  kind: z.literal('merge'),
  ticket: z.object({
    identifier: z.string().min(1).max(50),
    title: z.string().max(1000),
    branch: z.string().min(1).max(200),
  }),
  repo: repoSpec,
  method: z.enum(MERGE_METHODS),
  deleteBranch: z.boolean(),
  /** Who approved it, for the commit message's trailer. */
  approvedBy: z.array(z.string().max(200)).max(20).default([]),
});

export const gitOpSchema = z.discriminatedUnion('kind', [gitDiffOpSchema, gitMergeOpSchema]);
export type GitOp = z.infer<typeof gitOpSchema>;
export type GitDiffOp = z.infer<typeof gitDiffOpSchema>;
export type GitMergeOp = z.infer<typeof gitMergeOpSchema>;

export const diffFileStatSchema = z.object({
  path: z.string().max(4096),
  /** Set when the file was renamed or copied. */
  oldPath: z.string().max(4096).optional(),
  /** null for binary files. */
  additions: z.number().int().min(0).nullable(),
  deletions: z.number().int().min(0).nullable(),
});
export type DiffFileStat = z.infer<typeof diffFileStatSchema>;

export const repoDiffSchema = z.object({
  repo: z.string().max(100),
  /** worktree: the machine's worktree (uncommitted edits included); remote: the pushed branch; range: two commits. */
  source: z.enum(['worktree', 'remote', 'range']),
  base: sha.nullable(),
  head: sha.nullable(),
  files: z.array(diffFileStatSchema).max(DIFF_MAX_FILES),
  /** More files changed than are listed. */
  moreFiles: z.number().int().min(0).default(0),
  additions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  /** Bytes of diff text sent in chunks (0 with statOnly). */
  bytes: z.number().int().min(0),
  /** The text was cut at maxBytes: the chunks hold only its beginning. */
  tooLarge: z.boolean(),
  /** Why this repository has no diff (no branch yet, an unknown commit, …). */
  error: z.string().max(2000).optional(),
});
export type RepoDiff = z.infer<typeof repoDiffSchema>;

export const gitMergeResultSchema = z.object({
  /** merged: pushed to the default branch; conflict: nothing pushed; nothing: the branch added nothing to merge. */
  outcome: z.enum(['merged', 'conflict', 'nothing']),
  commit: sha.optional(),
  branchDeleted: z.boolean().default(false),
  /** Conflicting paths. */
  conflicts: z.array(z.string().max(4096)).max(1000).default([]),
  /** What happened, for a person or (a conflict) for the agent: the conflicting hunks, clipped. */
  detail: z
    .string()
    .max(64 * 1024)
    .default(''),
});
export type GitMergeResult = z.infer<typeof gitMergeResultSchema>;

export const gitRequestSchema = z.object({ type: z.literal('git.request'), requestId: id, op: gitOpSchema });
export const gitChunkSchema = z.object({
  type: z.literal('git.chunk'),
  requestId: id,
  repo: z.string().max(100),
  data: z.string().max(DIFF_CHUNK_BYTES),
});
export const gitReplySchema = z.object({
  type: z.literal('git.reply'),
  requestId: id,
  ok: z.boolean(),
  error: z.string().max(4000).optional(),
  diff: z.array(repoDiffSchema).max(20).optional(),
  merge: gitMergeResultSchema.optional(),
});
export type GitRequestFrame = z.infer<typeof gitRequestSchema>;
export type GitChunkFrame = z.infer<typeof gitChunkSchema>;
export type GitReplyFrame = z.infer<typeof gitReplySchema>;
