/**
 * The diff of a ticket's branch, computed on this machine (shared/src/protocol/git-ops.ts):
 *
 * - a run's range (`ranges`): `git diff FROM TO` in the repository's cache;
 * - the ticket's worktree when this machine holds it: the working tree against the commit where
 *   the branch left the default branch (uncommitted edits of tracked files included);
 * - otherwise the pushed branch against the same fork point, from the cache (fetched first).
 *
 * Per-file counts come first (`--numstat`, cheap even for a huge change); the text follows in
 * pieces through `onText` and stops at `maxBytes`.
 */
import { DIFF_MAX_FILES, type DiffFileStat, type GitDiffOp, type RepoDiff } from '@openase/shared/protocol/git-ops';
import { git, gitStream, refExists } from './git.js';
import type { Workspaces } from './workspace.js';

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '-M'];

/** `git diff --numstat -z` output → per-file counts (binary files count null). */
export function parseNumstat(out: string): DiffFileStat[] {
  const parts = out.split('\0');
  const files: DiffFileStat[] = [];
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (!entry) continue;
    const [added, deleted, name] = entry.split('\t');
    const count = (v: string | undefined) => (v === undefined || v === '-' ? null : Number(v));
    if (name === '') {
      // A rename or copy: the two paths follow as their own fields.
      files.push({
        path: parts[i + 2] ?? '',
        oldPath: parts[i + 1] ?? '',
        additions: count(added),
        deletions: count(deleted),
      });
      i += 2;
    } else files.push({ path: name ?? '', additions: count(added), deletions: count(deleted) });
  }
  return files;
}

interface Where {
  source: RepoDiff['source'];
  /** git arguments: a directory (worktree) or the cache. */
  cwd?: string;
  gitDir?: string;
  /** A worktree's git environment (Workspaces.worktreeGitEnv). */
  env?: NodeJS.ProcessEnv;
  base: string;
  /** null = the working tree. */
  head: string | null;
}

async function rev(where: { cwd?: string; gitDir?: string; env?: NodeJS.ProcessEnv }, ref: string): Promise<string> {
  const args = [...(where.gitDir ? ['--git-dir', where.gitDir] : []), 'rev-parse', '--verify', `${ref}^{commit}`];
  return (await git(args, { ...(where.cwd ? { cwd: where.cwd } : {}), env: where.env ?? {} })).stdout.trim();
}

async function describe(where: Where, op: GitDiffOp, repo: string, onText: (t: string) => void): Promise<RepoDiff> {
  const prefix = where.gitDir ? ['--git-dir', where.gitDir] : [];
  const range = where.head ? [where.base, where.head] : [where.base];
  // Reading never takes the index lock an agent working in the worktree may need.
  const opts = { ...(where.cwd ? { cwd: where.cwd } : {}), env: { ...where.env, GIT_OPTIONAL_LOCKS: '0' } };
  const numstat = await git([...prefix, 'diff', ...DIFF_FLAGS, '--numstat', '-z', ...range, '--'], opts);
  const all = parseNumstat(numstat.stdout);
  const files = all.slice(0, DIFF_MAX_FILES);
  const additions = all.reduce((n, f) => n + (f.additions ?? 0), 0);
  const deletions = all.reduce((n, f) => n + (f.deletions ?? 0), 0);
  const head = where.head ?? (await rev(where, 'HEAD'));
  const out: RepoDiff = {
    repo,
    source: where.source,
    base: where.base,
    head,
    files,
    moreFiles: all.length - files.length,
    additions,
    deletions,
    bytes: 0,
    tooLarge: false,
  };
  if (op.statOnly || all.length === 0) return out;
  const streamed = await gitStream([...prefix, 'diff', ...DIFF_FLAGS, ...range, '--'], {
    ...opts,
    maxBytes: op.maxBytes,
    onText,
  });
  return { ...out, bytes: streamed.bytes, tooLarge: streamed.tooLarge };
}

/** The diff of every repository of the op, each one's text streamed through `onText(repo, text)`. */
export async function diffTicket(
  workspaces: Workspaces,
  op: GitDiffOp,
  onText: (repo: string, text: string) => void,
): Promise<RepoDiff[]> {
  const results: RepoDiff[] = [];
  let budget = op.maxBytes;
  for (const repo of op.repos) {
    const emit = (text: string) => onText(repo.name, text);
    const sized = { ...op, maxBytes: Math.max(1, budget) };
    try {
      const result = await diffRepo(workspaces, sized, repo, emit);
      budget -= result.bytes;
      results.push(result);
    } catch (err) {
      results.push({
        repo: repo.name,
        source: 'remote',
        base: null,
        head: null,
        files: [],
        moreFiles: 0,
        additions: 0,
        deletions: 0,
        bytes: 0,
        tooLarge: false,
        error: (err as Error).message.slice(0, 2000),
      });
    }
  }
  return results;
}

async function diffRepo(
  workspaces: Workspaces,
  op: GitDiffOp,
  repo: GitDiffOp['repos'][number],
  emit: (text: string) => void,
): Promise<RepoDiff> {
  const range = op.ranges.find((r) => r.repo === repo.name);
  const defaultRef = `refs/remotes/origin/${repo.defaultBranch}`;
  if (range)
    return workspaces.withFreshMirror(repo.url, (gitDir) =>
      describe({ source: 'range', gitDir, base: range.from, head: range.to }, op, repo.name, emit),
    );
  const worktree = await workspaces.existingWorktree(op.ticket.identifier, repo.name);
  if (worktree) {
    // The fork point with the default branch as this machine last fetched it (no fetch: the worktree is live).
    const env = await workspaces.worktreeGitEnv(worktree);
    const base = (await git(['merge-base', defaultRef, 'HEAD'], { cwd: worktree, env })).stdout.trim();
    return describe({ source: 'worktree', cwd: worktree, env, base, head: null }, op, repo.name, emit);
  }
  return workspaces.withFreshMirror(repo.url, async (gitDir) => {
    const branchRef = `refs/remotes/origin/${op.ticket.branch}`;
    if (!(await refExists({ gitDir }, branchRef)))
      throw new Error(
        `branch ${op.ticket.branch} is not on the remote of ${repo.name} (nothing pushed yet, or merged and deleted)`,
      );
    const base = (await git(['--git-dir', gitDir, 'merge-base', defaultRef, branchRef])).stdout.trim();
    const head = await rev({ gitDir }, branchRef);
    return describe({ source: 'remote', gitDir, base, head }, op, repo.name, emit);
  });
}
