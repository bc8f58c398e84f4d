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
import type { PreparedRepo, Workspaces } from './workspace.js';

export interface BaseMerge {
  defaultBranch: string;
  /** The default branch's commit that was merged in. */
  from: string;
  /** Files left with conflict markers; empty for a clean merge (or none needed). */
  conflicts: string[];
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
  const from = (await workspaces.gitIn(repo.path, ['rev-parse', ref])).stdout.trim();
  const base = { defaultBranch: repo.defaultBranch, from };
  if (await mergeInProgress(workspaces, repo.path))
    return { ...base, conflicts: await unmergedPaths(workspaces, repo.path) };
  const message = `Merge ${repo.defaultBranch} into ${repo.branch}`;
  try {
    await workspaces.gitIn(repo.path, ['merge', '--no-ff', '--no-edit', '-m', message, ref]);
    return { ...base, conflicts: [] };
  } catch (err) {
    const conflicts = await unmergedPaths(workspaces, repo.path).catch(() => []);
    if (!conflicts.length || !(err instanceof GitError)) throw err;
    return { ...base, conflicts };
  }
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
