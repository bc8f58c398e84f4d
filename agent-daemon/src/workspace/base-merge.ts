/**
 * A conflict-resolution run (the platform could not merge the approved branch, `mergeDefaultBranch`
 * in the job spec): before the agent's first turn the daemon — outside the agent's sandbox, which
 * cannot write git history — merges the repository's default branch into the ticket's worktree. A
 * clean merge is committed at once; a conflicted one is left in progress, its markers in the files,
 * for the agent to resolve in its working tree. The turn's commit (turn-end.ts) concludes the merge,
 * and refuses to while markers remain in the files that conflicted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { GitError } from './git.js';
import { rmNoFollow } from './no-follow.js';
import type { PreparedRepo, Workspaces } from './workspace.js';

export interface BaseMerge {
  defaultBranch: string;
  /** The default branch's commit that was merged in. */
  from: string;
  /** Files left with conflict markers; empty for a clean merge (or none needed). */
  conflicts: string[];
  /**
   * What the merge made of the other files the default branch changed (path → blob id, null when it
   * deleted the file). A file still so is the merge's, not the agent's: the harness `paths` rules do not
   * apply to it, and a violation in it is reverted to this, not to the run's base.
   */
  merged: Record<string, string | null>;
}

type Repo = Pick<PreparedRepo, 'path' | 'branch' | 'defaultBranch'>;

/** Whether a merge is in progress in the worktree (MERGE_HEAD, in its admin folder in the cache). */
export async function mergeInProgress(workspaces: Workspaces, worktree: string): Promise<boolean> {
  return workspaces.gitIn(worktree, ['rev-parse', '-q', '--verify', 'MERGE_HEAD']).then(
    () => true,
    () => false,
  );
}

async function unmergedPaths(workspaces: Workspaces, worktree: string): Promise<string[]> {
  const { stdout } = await workspaces.gitIn(worktree, ['diff', '--name-only', '--diff-filter=U']);
  return stdout.split('\n').filter(Boolean);
}

/** Merges `origin/<default>` into the worktree's branch (a merge an earlier run left in progress is kept). */
export async function mergeDefaultBranch(workspaces: Workspaces, repo: Repo): Promise<BaseMerge> {
  const ref = `refs/remotes/origin/${repo.defaultBranch}`;
  const gitIn = (args: string[]) => workspaces.gitIn(repo.path, args).then((r) => r.stdout.trim());
  const [from, head] = await Promise.all([gitIn(['rev-parse', ref]), gitIn(['rev-parse', 'HEAD'])]);
  const done = async (conflicts: string[]): Promise<BaseMerge> => ({
    defaultBranch: repo.defaultBranch,
    from,
    conflicts,
    merged: await mergeResults(workspaces, repo.path, head, from, conflicts),
  });
  if (await mergeInProgress(workspaces, repo.path)) return done(await unmergedPaths(workspaces, repo.path));
  const message = `Merge ${repo.defaultBranch} into ${repo.branch}`;
  try {
    await workspaces.gitIn(repo.path, ['merge', '--no-ff', '--no-edit', '-m', message, ref]);
    return done([]);
  } catch (err) {
    const conflicts = await unmergedPaths(workspaces, repo.path).catch(() => []);
    if (!conflicts.length || !(err instanceof GitError)) throw err;
    return done(conflicts);
  }
}

/** The index's (stage 0) blob of each file the default branch changed since the merge base, but the conflicts. */
async function mergeResults(
  workspaces: Workspaces,
  worktree: string,
  head: string,
  from: string,
  conflicts: readonly string[],
): Promise<Record<string, string | null>> {
  const gitIn = (args: string[]) => workspaces.gitIn(worktree, args).then((r) => r.stdout);
  const base = (await gitIn(['merge-base', head, from])).trim();
  const skip = new Set(conflicts);
  const paths = (await gitIn(['diff', '--name-only', '--no-renames', '-z', base, from]))
    .split('\0')
    .filter((p) => p && !skip.has(p));
  const merged: Record<string, string | null> = Object.fromEntries(paths.map((p) => [p, null]));
  for (let i = 0; i < paths.length; i += 500) {
    const staged = await gitIn(['ls-files', '--stage', '-z', '--', ...paths.slice(i, i + 500)]);
    for (const entry of staged.split('\0').filter(Boolean)) {
      const [info, file] = entry.split('\t') as [string, string];
      const [, blob, stage] = info.split(' ');
      if (stage === '0' && file in merged) merged[file] = blob!;
    }
  }
  return merged;
}

/** The files of `merged` whose content is still what the merge made of them. */
export async function untouchedMergeResults(
  workspaces: Workspaces,
  worktree: string,
  merged: Record<string, string | null>,
): Promise<Set<string>> {
  const same = new Set<string>();
  const present: string[] = [];
  for (const [file, blob] of Object.entries(merged)) {
    const exists = await fs.lstat(path.join(worktree, file)).then(
      () => true,
      () => false,
    );
    if (exists && blob) present.push(file);
    else if (!exists && !blob) same.add(file);
  }
  for (let i = 0; i < present.length; i += 500) {
    const chunk = present.slice(i, i + 500);
    const hashes = (await workspaces.gitIn(worktree, ['hash-object', '--', ...chunk])).stdout.split('\n');
    chunk.forEach((file, n) => hashes[n] === merged[file] && same.add(file));
  }
  return same;
}

/**
 * Reverts the paths of a merge's run: a file the merge changed back to what the merge made of it (still
 * in the index: the agent cannot stage), a conflicted one back to its markers; returns the other paths.
 */
export async function revertInMerge(
  workspaces: Workspaces,
  repo: Pick<PreparedRepo, 'path'>,
  merge: BaseMerge,
  paths: readonly string[],
): Promise<string[]> {
  const rest: string[] = [];
  const conflicted = new Set(merge.conflicts);
  for (const p of paths) {
    if (conflicted.has(p)) await workspaces.gitIn(repo.path, ['checkout', '-m', '--', p]);
    else if (merge.merged[p]) await workspaces.gitIn(repo.path, ['checkout', '--', p]);
    else if (p in merge.merged) await rmNoFollow(repo.path, p);
    else rest.push(p);
  }
  return rest;
}

const MARKER = /^(<{7}|>{7})(\s|$)/m;

/** The files of a merge in progress that still hold conflict markers (the agent has not resolved them). */
export async function unresolvedConflicts(workspaces: Workspaces, repo: PreparedRepo): Promise<string[]> {
  if (!repo.baseMerge?.conflicts.length || !(await mergeInProgress(workspaces, repo.path))) return [];
  const left: string[] = [];
  for (const file of repo.baseMerge.conflicts) {
    const text = await fs.readFile(path.join(repo.path, file), 'utf8').catch(() => '');
    if (MARKER.test(text)) left.push(file);
  }
  return left;
}

/** What the agent is told before its first turn, after the prompt from the control plane. */
export function baseMergeNote(repos: readonly PreparedRepo[]): string | null {
  const merged = repos.filter((r) => r.baseMerge);
  if (!merged.length) return null;
  const several = repos.length > 1;
  const lines = ['## The default branch is merged into your worktree'];
  for (const r of merged) {
    const m = r.baseMerge!;
    const where = several ? `${r.name}: ` : '';
    lines.push(
      m.conflicts.length
        ? `- ${where}merging ${m.defaultBranch} (${m.from.slice(0, 12)}) left conflict markers in: ${m.conflicts.join(', ')}`
        : `- ${where}${m.defaultBranch} (${m.from.slice(0, 12)}) merged without conflicts`,
    );
  }
  lines.push(
    '',
    'Edit each conflicting file to the right combination of both sides and remove every conflict marker ' +
      '(<<<<<<<, =======, >>>>>>>). Do not run git merge, commit or push yourself: when your turn ends the ' +
      'platform commits the merge with your resolution and pushes it, and merges the ticket again.',
  );
  return lines.join('\n');
}
