/**
 * The platform's own merge of an approved ticket into the repository's default branch, for any
 * git remote (shared/src/protocol/git-ops.ts `merge`). Runs in the daemon itself (never in an
 * agent's process), in a throw-away worktree of the repository's cache, under the cache's lock:
 *
 *   fetch → worktree at origin/<default> → merge --no-ff | merge --squash + commit | rebase →
 *   push HEAD to <default> (fast-forward only; when someone pushed meanwhile: fetch and redo, 3
 *   tries) → delete the ticket branch on the remote when asked.
 *
 * A conflict pushes nothing: the reply names the conflicting paths and carries the conflicting
 * hunks (with their markers) for the agent that will resolve them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GitMergeOp, GitMergeResult } from '@openase/shared/protocol/git-ops';
import { git, GitError, missingBranchError, refExists } from './git.js';
import { confined, safeSegment } from './paths.js';
import type { Workspaces } from './workspace.js';

/** The identity of the platform's merge commits. */
export const MERGE_IDENTITY = { name: 'OpenASE', email: 'merge@openase.invalid' };
const MERGE_ENV = {
  GIT_AUTHOR_NAME: MERGE_IDENTITY.name,
  GIT_AUTHOR_EMAIL: MERGE_IDENTITY.email,
  GIT_COMMITTER_NAME: MERGE_IDENTITY.name,
  GIT_COMMITTER_EMAIL: MERGE_IDENTITY.email,
};
const CONFLICT_DETAIL_MAX = 20_000;
const PUSH_TRIES = 3;

export function mergeMessage(op: GitMergeOp): string {
  const title = op.ticket.title.replace(/\s+/g, ' ').trim().slice(0, 200) || 'untitled';
  const subject =
    op.method === 'merge'
      ? `Merge ${op.ticket.branch}: ${op.ticket.identifier}: ${title}`
      : `${op.ticket.identifier}: ${title}`;
  const trailers = op.approvedBy.map((who) => `Approved-by: ${who.replace(/[\r\n]+/g, ' ')}`);
  const body = op.method === 'squash' ? [`Squashed from ${op.ticket.branch}.`] : [];
  return [subject, ...(body.length || trailers.length ? ['', ...body, ...trailers] : [])].join('\n');
}

class Conflict extends Error {
  constructor(
    readonly files: string[],
    readonly detail: string,
  ) {
    super('conflict');
  }
}

export async function mergeTicketBranch(workspaces: Workspaces, op: GitMergeOp): Promise<GitMergeResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await workspaces.withFreshMirror(op.repo.url, (mirror) => mergeOnce(workspaces, mirror, op));
    if (result !== 'retry') return result;
    if (attempt >= PUSH_TRIES)
      throw new Error(
        `${op.repo.defaultBranch} of ${op.repo.name} kept moving while merging ${op.ticket.branch} (${PUSH_TRIES} tries); try again`,
      );
  }
}

async function mergeOnce(workspaces: Workspaces, mirror: string, op: GitMergeOp): Promise<GitMergeResult | 'retry'> {
  const branchRef = `refs/remotes/origin/${op.ticket.branch}`;
  const defaultRef = `refs/remotes/origin/${op.repo.defaultBranch}`;
  if (!(await refExists({ gitDir: mirror }, defaultRef))) throw await missingBranchError(mirror, op.repo);
  if (!(await refExists({ gitDir: mirror }, branchRef)))
    throw new Error(`branch ${op.ticket.branch} is not on the remote of ${op.repo.name}; nothing to merge`);
  const deleteBranch = async () => {
    if (!op.deleteBranch) return false;
    await git(['--git-dir', mirror, 'push', '--quiet', op.repo.url, '--delete', op.ticket.branch]);
    return true;
  };
  const already = await git(['--git-dir', mirror, 'merge-base', '--is-ancestor', branchRef, defaultRef])
    .then(() => true)
    .catch(() => false);
  if (already)
    return {
      outcome: 'nothing',
      branchDeleted: await deleteBranch(),
      conflicts: [],
      detail: `${op.ticket.branch} is already part of ${op.repo.defaultBranch}`,
    };
  const dir = confined(
    workspaces.layout.root,
    'merges',
    `${safeSegment(op.ticket.identifier, 'ticket')}-${randomBytes(4).toString('hex')}`,
  );
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await git(['--git-dir', mirror, 'worktree', 'add', '--quiet', '--detach', dir, defaultRef]);
  try {
    const run = (args: string[]) => git(args, { cwd: dir, env: MERGE_ENV });
    try {
      await combine(run, op, branchRef, defaultRef);
    } catch (err) {
      if (err instanceof Conflict)
        return {
          outcome: 'conflict',
          branchDeleted: false,
          conflicts: err.files,
          detail: err.detail,
        };
      throw err;
    }
    const head = (await run(['rev-parse', 'HEAD'])).stdout.trim();
    const base = (await run(['rev-parse', defaultRef])).stdout.trim();
    if (head === base)
      return {
        outcome: 'nothing',
        branchDeleted: await deleteBranch(),
        conflicts: [],
        detail: `${op.ticket.branch} adds no change to ${op.repo.defaultBranch}`,
      };
    try {
      await run(['push', '--quiet', op.repo.url, `HEAD:refs/heads/${op.repo.defaultBranch}`]);
    } catch (err) {
      // Someone pushed to the default branch meanwhile: fetch and merge again.
      if (err instanceof GitError && /non-fast-forward|fetch first|rejected/i.test(err.stderr)) return 'retry';
      throw err;
    }
    // The cache follows at once (its next fetch would too), so a diff read right away is current.
    await git(['--git-dir', mirror, 'update-ref', defaultRef, head]);
    return {
      outcome: 'merged',
      commit: head,
      branchDeleted: await deleteBranch(),
      conflicts: [],
      detail: `${op.method === 'merge' ? 'merged' : op.method === 'squash' ? 'squashed' : 'rebased'} ${op.ticket.branch} into ${op.repo.defaultBranch} at ${head.slice(0, 12)}`,
    };
  } finally {
    await git(['--git-dir', mirror, 'worktree', 'remove', '--force', dir]).catch(() => {});
    await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

type Run = (args: string[]) => Promise<{ stdout: string }>;

async function combine(run: Run, op: GitMergeOp, branchRef: string, defaultRef: string): Promise<void> {
  const message = mergeMessage(op);
  const conflictOr = async (work: () => Promise<unknown>, abort: string[]) => {
    try {
      await work();
    } catch (err) {
      const files = (await run(['diff', '--name-only', '--diff-filter=U']).catch(() => ({ stdout: '' }))).stdout
        .split('\n')
        .filter(Boolean);
      if (!files.length) throw err;
      const hunks = (await run(['diff', '--no-color']).catch(() => ({ stdout: '' }))).stdout;
      await run(abort).catch(() => {});
      throw new Conflict(files, clip(hunks));
    }
  };
  if (op.method === 'merge') {
    await conflictOr(() => run(['merge', '--no-ff', '--no-edit', '-m', message, branchRef]), ['merge', '--abort']);
  } else if (op.method === 'squash') {
    await conflictOr(() => run(['merge', '--squash', branchRef]), ['reset', '--hard', defaultRef]);
    const staged = (await run(['diff', '--cached', '--name-only'])).stdout.trim();
    if (staged) await run(['commit', '--quiet', '--no-verify', '-m', message]);
  } else {
    await run(['checkout', '--quiet', '--detach', branchRef]);
    await conflictOr(() => run(['rebase', '--quiet', defaultRef]), ['rebase', '--abort']);
  }
}

function clip(text: string): string {
  return text.length > CONFLICT_DETAIL_MAX
    ? `${text.slice(0, CONFLICT_DETAIL_MAX)}\n… (${text.length - CONFLICT_DETAIL_MAX} more characters of conflicts)`
    : text;
}
