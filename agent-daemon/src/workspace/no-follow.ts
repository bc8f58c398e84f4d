/**
 * Writing where what runs in the sandbox can write, as the daemon. The ticket workspace (worktrees,
 * `.openase/`, the CLI homes) is writable by the agent, its hooks and its commands, so any folder
 * or file there may have been replaced by a symbolic link to somewhere else: `.openase/cli-custom ->
 * ~/`, `system-prompt.md -> ~/.bashrc`. The daemon, unconfined, would follow it and write (the
 * ticket's text, a script, mode 0755) wherever it points, outside the sandbox.
 *
 * So the daemon never follows a link below an anchor it trusts (the ticket workspace, a folder it has
 * just made sure of): every folder on the way is checked with lstat, and a link or a file where a
 * folder belongs is removed (the link itself, never its target) and replaced by a real folder; a file
 * is written under a fresh name opened with O_EXCL (which never follows a link) and renamed over the
 * old name (a rename replaces a link, it does not write through it). Nothing of the run is alive
 * while the daemon writes there (before the CLI starts; bwrap ends every process of a run with it).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PathEscapeError } from './paths.js';

/** The path parts of `target` below `anchor`; refuses a target outside it. */
function partsBelow(anchor: string, target: string): string[] {
  const rel = path.relative(path.resolve(anchor), path.resolve(target));
  if (rel === '') return [];
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new PathEscapeError('path', target, anchor);
  return rel.split(path.sep);
}

/** The anchor is the caller's to trust: made when missing, refused when it is a link or a file. */
async function requireRealDir(dir: string): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => null);
  if (!stat) await fs.mkdir(dir, { recursive: true });
  else if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (a link or a file); refusing to write in it`);
}

/** Makes `dir` (inside the trusted folder `anchor`) a real folder, every folder on the way too, following no link. */
export async function mkdirNoFollow(anchor: string, dir: string): Promise<string> {
  await requireRealDir(anchor);
  let at = path.resolve(anchor);
  for (const part of partsBelow(anchor, dir)) {
    at = path.join(at, part);
    const stat = await fs.lstat(at).catch(() => null);
    if (stat?.isDirectory()) continue;
    if (stat) await fs.rm(at, { force: true }); // a link (never its target) or a file where a folder belongs
    await fs.mkdir(at);
  }
  return at;
}

/**
 * Writes `file` (inside `anchor`) with `data` and `mode` (applied also when the file existed), following no
 * link: not on the way, and not at the file itself.
 */
export async function writeFileNoFollow(
  anchor: string,
  file: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<string> {
  const dir = await mkdirNoFollow(anchor, path.dirname(path.resolve(file)));
  const target = path.join(dir, path.basename(file));
  const existing = await fs.lstat(target).catch(() => null);
  if (existing?.isDirectory()) await fs.rm(target, { recursive: true, force: true }); // rm never follows links in it
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.chmod(mode); // on the open file: no path to redirect
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, target);
  return target;
}

/** Removes `rel` inside the folder `root`, but only when no folder on the way is a link (else leaves it). */
export async function rmNoFollow(root: string, rel: string): Promise<void> {
  const parts = partsBelow(root, path.resolve(root, rel));
  if (!parts.length) return;
  let at = path.resolve(root);
  for (const part of ['', ...parts.slice(0, -1)]) {
    at = path.join(at, part);
    const stat = await fs.lstat(at).catch(() => null);
    if (!stat?.isDirectory()) return; // gone, or a link the agent put there: nothing of ours behind it
  }
  await fs.rm(path.join(at, parts[parts.length - 1]!), { force: true, recursive: true });
}

/**
 * Removes every `.git` (folder, file or link) below the worktree `root` but its own: a repository the agent
 * made or linked inside its worktree. `git add` looks into such a repository (as a submodule) by starting git
 * there, which obeys that repository's config and attributes (a clean filter, an fsmonitor: commands run as the
 * daemon). Without its `.git` the folder is plain files, committed as such. Links are never followed.
 */
export async function dropNestedRepos(root: string): Promise<string[]> {
  const dropped: string[] = [];
  const walk = async (dir: string, top: boolean): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const at = path.join(dir, entry.name);
      if (entry.name === '.git' && !top) {
        await fs.rm(at, { recursive: true, force: true });
        dropped.push(path.relative(root, at));
      } else if (entry.isDirectory() && !(top && entry.name === '.git')) await walk(at, false);
    }
  };
  await walk(root, true);
  return dropped;
}
