/**
 * A ticket's workspace on this machine: prepare (mirror fetch + one worktree per repository on
 * the ticket's branch), commit what the agent left uncommitted, push, check changed paths against
 * the harness, and clean up when the ticket is done.
 *
 * Branch start point: the remote's copy of the ticket branch when it exists (a later stage of a
 * relay, or a run on another machine, continues from what earlier runs pushed), otherwise the
 * repository's default branch. A worktree kept from an earlier run is fast-forwarded to the
 * remote branch when that is possible; local commits that were never pushed are kept.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { git, missingBranchError, refExists } from './git.js';
import { KeyedLock } from './keyed-lock.js';
import {
  mergeDefaultBranch,
  mergeInProgress,
  revertInMerge,
  untouchedMergeResults,
  type BaseMerge,
} from './base-merge.js';
import { workspaceLayout, type WorkspaceLayout } from './paths.js';
import { dropNestedRepos, mkdirNoFollow, rmNoFollow } from './no-follow.js';

export interface RepoSpec {
  /** Folder name inside the ticket workspace. */
  name: string;
  url: string;
  defaultBranch: string;
}

export interface PreparedRepo extends RepoSpec {
  path: string;
  branch: string;
  /** The commit the run started from: path checks and "what changed" are relative to it. */
  baseCommit: string;
  /** 'created' | 'reused' */
  worktree: 'created' | 'reused';
  /** A conflict-resolution run: the default branch merged into the worktree before the run (base-merge.ts). */
  baseMerge?: BaseMerge;
}

export interface PreparedWorkspace {
  dir: string;
  privateDir: string;
  repos: PreparedRepo[];
}

export type Progress = (message: string) => void;

export class Workspaces {
  readonly layout: WorkspaceLayout;
  /** Cache fetches and worktree adds/removes of one repository never overlap (see KeyedLock). */
  private readonly cacheLock = new KeyedLock();

  constructor(root: string) {
    this.layout = workspaceLayout(root);
  }

  /** Creates or refreshes the bare cache of a repository and fetches every branch into `refs/remotes/origin/*`. */
  syncMirror(url: string, progress: Progress = () => {}): Promise<string> {
    return this.cacheLock.run(this.layout.mirror(url), () => this.syncMirrorLocked(url, progress));
  }

  private async syncMirrorLocked(url: string, progress: Progress): Promise<string> {
    const dir = this.layout.mirror(url);
    const exists = await fs
      .stat(path.join(dir, 'HEAD'))
      .then(() => true)
      .catch(() => false);
    if (!exists) {
      progress(`cloning ${url} into the machine's cache`);
      await fs.mkdir(path.dirname(dir), { recursive: true });
      await git(['init', '--bare', '--quiet', dir]);
      await git(['--git-dir', dir, 'remote', 'add', 'origin', url]);
      await git(['--git-dir', dir, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
    } else {
      // The URL of a repository may change (e.g. a moved remote); the cache follows it.
      await git(['--git-dir', dir, 'remote', 'set-url', 'origin', url]);
      progress(`fetching ${url}`);
    }
    await git(['--git-dir', dir, 'fetch', '--prune', '--quiet', 'origin']);
    return dir;
  }

  /**
   * Runs `work` with the repository's cache fetched and locked (no run's worktree add or fetch
   * overlaps it): the diff and merge operations (diff.ts, merge.ts) read and write through it.
   */
  withFreshMirror<T>(url: string, work: (mirror: string) => Promise<T>, progress: Progress = () => {}): Promise<T> {
    const key = this.layout.mirror(url);
    return this.cacheLock.run(key, async () => work(await this.syncMirrorLocked(url, progress)));
  }

  /**
   * git's environment for a ticket worktree: its admin folder in this machine's cache, never
   * wherever the worktree's `.git` file points (what runs in the workspace can rewrite that file,
   * and a repository config it wrote would run commands as the daemon). Throws when the link does
   * not lead back into the cache.
   */
  async worktreeGitEnv(worktree: string): Promise<{ GIT_DIR: string; GIT_WORK_TREE: string }> {
    const refused = (why: string) =>
      new Error(`the worktree ${worktree} no longer links to this machine's repository cache (${why}); refusing git`);
    // The worktree folder itself may have been swapped for a link to a folder holding a copied `.git` file.
    if (!(await fs.lstat(worktree).catch(() => null))?.isDirectory()) throw refused('it is not a folder');
    const link = path.join(worktree, '.git');
    const stat = await fs.lstat(link).catch(() => null);
    if (!stat?.isFile()) throw refused('its .git is not a file');
    // Read as git reads it: the whole file is `gitdir: PATH` and one newline. A looser match (`/^gitdir: (.+)$/m`)
    // stopped at a carriage return that git keeps in the path, so the checked folder was not the one git used.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    const match = /^gitdir: ([^\u0000-\u001f]+)\n?$/.exec(await fs.readFile(link, 'utf8'));
    if (!match) throw refused('its .git names no admin folder');
    const adminDir = await fs.realpath(path.resolve(worktree, match[1]!.trim())).catch(() => null);
    const mirrors = await fs.realpath(path.join(this.layout.root, 'mirrors')).catch(() => null);
    if (!adminDir || !mirrors || !adminDir.startsWith(mirrors + path.sep)) throw refused('it points outside the cache');
    const back = (await fs.readFile(path.join(adminDir, 'gitdir'), 'utf8').catch(() => '')).trim();
    const [backDir, realWorktree] = await Promise.all(
      [path.dirname(back), worktree].map((p) => fs.realpath(p).catch(() => p)),
    );
    if (!back || backDir !== realWorktree) throw refused('the cache does not know it');
    return { GIT_DIR: adminDir, GIT_WORK_TREE: worktree };
  }

  /** Runs git in a ticket worktree through its admin folder in the cache (see worktreeGitEnv). */
  async gitIn(worktree: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return git(args, { cwd: worktree, env: { ...env, ...(await this.worktreeGitEnv(worktree)) } });
  }

  /** The ticket's worktree of a repository on this machine, or null when there is none. */
  async existingWorktree(identifier: string, repoName: string): Promise<string | null> {
    const dir = this.layout.worktree(identifier, repoName);
    return fs
      .stat(path.join(dir, '.git'))
      .then(() => dir)
      .catch(() => null);
  }

  async prepare(
    ticket: { identifier: string; branch: string },
    repos: RepoSpec[],
    progress: Progress = () => {},
    opts: { mergeDefaultBranch?: boolean } = {},
  ): Promise<PreparedWorkspace> {
    const dir = this.layout.ticket(ticket.identifier);
    const privateDir = this.layout.privateDir(ticket.identifier);
    await fs.mkdir(dir, { recursive: true });
    // `.openase` is the agent's to write: a link planted there must not send the daemon's writes elsewhere.
    await mkdirNoFollow(dir, privateDir);
    const prepared: PreparedRepo[] = [];
    for (const repo of repos) {
      prepared.push(
        await this.cacheLock.run(this.layout.mirror(repo.url), async () => {
          const ready = await this.prepareRepoLocked(ticket, repo, progress);
          if (!opts.mergeDefaultBranch) return ready;
          progress(`merging ${repo.defaultBranch} into ${ticket.branch} in worktree ${repo.name}`);
          return { ...ready, baseMerge: await mergeDefaultBranch(this, ready) };
        }),
      );
    }
    return { dir, privateDir, repos: prepared };
  }

  private async prepareRepoLocked(
    ticket: { identifier: string; branch: string },
    repo: RepoSpec,
    progress: Progress,
  ): Promise<PreparedRepo> {
    const mirror = await this.syncMirrorLocked(repo.url, progress);
    const worktreePath = this.layout.worktree(ticket.identifier, repo.name);
    const remoteBranch = `refs/remotes/origin/${ticket.branch}`;
    const hasRemoteBranch = await refExists({ gitDir: mirror }, remoteBranch);
    const reused = await fs
      .stat(path.join(worktreePath, '.git'))
      .then(() => true)
      .catch(() => false);
    if (!reused) {
      const start = hasRemoteBranch ? remoteBranch : `refs/remotes/origin/${repo.defaultBranch}`;
      if (!(await refExists({ gitDir: mirror }, start))) throw await missingBranchError(mirror, repo);
      progress(
        `creating worktree ${repo.name} on ${ticket.branch} from ${hasRemoteBranch ? `the pushed ${ticket.branch}` : repo.defaultBranch}`,
      );
      await git(['--git-dir', mirror, 'worktree', 'prune']);
      await git(['--git-dir', mirror, 'worktree', 'add', '--quiet', '-B', ticket.branch, worktreePath, start]);
    } else if (hasRemoteBranch) {
      // Fast-forward to what other runs pushed; a diverged local branch is left as is.
      await this.gitIn(worktreePath, ['merge', '--ff-only', '--quiet', remoteBranch]).catch(() =>
        progress(`worktree ${repo.name} has local commits not on the remote; keeping them`),
      );
    }
    const { stdout } = await this.gitIn(worktreePath, ['rev-parse', 'HEAD']);
    return {
      ...repo,
      path: worktreePath,
      branch: ticket.branch,
      baseCommit: stdout.trim(),
      worktree: reused ? 'reused' : 'created',
    };
  }

  /** Commits everything the agent left uncommitted. Returns the new commit, or null when there was nothing. */
  async commitAll(repo: PreparedRepo, message: string): Promise<string | null> {
    await dropNestedRepos(repo.path);
    await this.gitIn(repo.path, ['add', '--all']);
    const { stdout: staged } = await this.gitIn(repo.path, ['diff', '--cached', '--name-only']);
    // A merge in progress is concluded even when the resolution keeps the branch's side everywhere.
    if (!staged.trim() && !(await mergeInProgress(this, repo.path))) return null;
    await this.gitIn(repo.path, ['commit', '--quiet', '--no-verify', '-m', message]);
    const { stdout } = await this.gitIn(repo.path, ['rev-parse', 'HEAD']);
    return stdout.trim();
  }

  /** Pushes the ticket branch to the repository's remote (through the cache's `origin` URL). */
  async push(repo: PreparedRepo): Promise<void> {
    const { stdout: url } = await this.gitIn(repo.path, ['remote', 'get-url', 'origin']);
    await this.gitIn(repo.path, ['push', '--quiet', url.trim(), `HEAD:refs/heads/${repo.branch}`]);
  }

  /**
   * The commit the ticket branch has on the remote, when it is an ancestor of HEAD (what a push
   * would build on); else the run's base commit. Like every git run in a worktree, through gitIn: a `cwd` alone let
   * git follow the worktree's `.git`, which the agent can point at a repository whose config runs commands.
   */
  async pushedHead(repo: PreparedRepo): Promise<string> {
    const { stdout: url } = await this.gitIn(repo.path, ['remote', 'get-url', 'origin']);
    const listed = await this.gitIn(repo.path, ['ls-remote', url.trim(), `refs/heads/${repo.branch}`]);
    const head = listed.stdout.split(/\s/)[0] ?? '';
    if (!/^[0-9a-f]{40,64}$/.test(head)) return repo.baseCommit;
    const ancestor = await this.gitIn(repo.path, ['merge-base', '--is-ancestor', head, 'HEAD']).then(
      () => true,
      () => false,
    );
    return ancestor ? head : repo.baseCommit;
  }

  /**
   * Takes paths that break the harness' rules out of everything not yet pushed: the agent's own
   * unpushed commits are folded back into the index (so no commit holding them survives), then
   * each path is restored to the run's base commit, or removed when it did not exist there. The
   * turn's commit that follows holds the rest of the agent's work.
   */
  async revertPaths(repo: PreparedRepo, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    // After the daemon's merge of the default branch the only unpushed commit is that merge (agents
    // cannot commit), and git refuses a soft reset while the merge is in progress: it is kept.
    if (repo.baseMerge) {
      const rest = await revertInMerge(this, repo, repo.baseMerge, paths);
      if (rest.length) await this.restorePaths(repo, rest);
      return;
    }
    await this.gitIn(repo.path, ['reset', '--soft', await this.pushedHead(repo)]);
    await this.restorePaths(repo, paths);
  }

  /** Each path as the run's base commit has it, or removed when it did not exist there. */
  private async restorePaths(repo: PreparedRepo, paths: readonly string[]): Promise<void> {
    for (const p of paths) {
      const inBase = await this.gitIn(repo.path, ['cat-file', '-e', `${repo.baseCommit}:${p}`]).then(
        () => true,
        () => false,
      );
      if (inBase) {
        await this.gitIn(repo.path, ['checkout', repo.baseCommit, '--', p]);
        continue;
      }
      await this.gitIn(repo.path, ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', p]);
      await rmNoFollow(repo.path, p);
    }
  }

  /**
   * Paths changed since the run's base commit: committed, staged, unstaged and untracked. After a
   * merge of the default branch, paths left exactly as the default branch has them are its changes,
   * not the agent's.
   */
  async changedPaths(repo: PreparedRepo): Promise<string[]> {
    const committed = await this.gitIn(repo.path, ['diff', '--name-only', `${repo.baseCommit}..HEAD`]);
    const status = await this.gitIn(repo.path, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    const pending = status.stdout
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.slice(3));
    const changed = [...new Set([...committed.stdout.split('\n').filter(Boolean), ...pending])].sort();
    if (!repo.baseMerge) return changed;
    const differ = await this.gitIn(repo.path, ['diff', '--name-only', repo.baseMerge.from]);
    const untracked = await this.gitIn(repo.path, ['ls-files', '--others', '--exclude-standard']);
    const agents = new Set([...differ.stdout.split('\n'), ...untracked.stdout.split('\n')].filter(Boolean));
    const merges = await untouchedMergeResults(this, repo.path, repo.baseMerge.merged);
    return changed.filter((p) => agents.has(p) && !merges.has(p));
  }

  /** Removes the ticket's worktrees and workspace (the ticket reached a completed or canceled stage). */
  async remove(identifier: string, repos: ReadonlyArray<Pick<RepoSpec, 'name' | 'url'>>): Promise<void> {
    for (const repo of repos) {
      const mirror = this.layout.mirror(repo.url);
      const worktreePath = this.layout.worktree(identifier, repo.name);
      await this.cacheLock.run(mirror, async () => {
        await git(['--git-dir', mirror, 'worktree', 'remove', '--force', worktreePath]).catch(() => {});
        await git(['--git-dir', mirror, 'worktree', 'prune']).catch(() => {});
      });
    }
    await fs.rm(this.layout.ticket(identifier), { recursive: true, force: true });
  }
}

export interface PathRules {
  allow?: readonly string[];
  deny?: readonly string[];
}

/**
 * Which changed paths break the harness' `paths` rules: a path is allowed when it matches an
 * `allow` glob (or there is no `allow` list) and matches no `deny` glob. Dotfiles match too.
 */
export function pathViolations(paths: readonly string[], rules: PathRules): Array<{ path: string; rule: string }> {
  const allow = rules.allow?.length ? picomatch([...rules.allow], { dot: true }) : null;
  const denyMatchers = (rules.deny ?? []).map((glob) => ({ glob, test: picomatch(glob, { dot: true }) }));
  const out: Array<{ path: string; rule: string }> = [];
  for (const p of paths) {
    const denied = denyMatchers.find((d) => d.test(p));
    if (denied) out.push({ path: p, rule: `denied by paths.deny "${denied.glob}"` });
    else if (allow && !allow(p)) out.push({ path: p, rule: `not in paths.allow (${rules.allow!.join(', ')})` });
  }
  return out;
}
