/**
 * Where a machine keeps its workspaces, and names made safe to be paths. Everything stays under
 * the workspace root: every path is resolved and checked to be inside it before it is used.
 *
 *   <root>/mirrors/<repo-key>.git          one bare cache per repository URL, fetched before each run
 *   <root>/tickets/<IDENTIFIER>/           the ticket's workspace, kept across its runs
 *   <root>/tickets/<IDENTIFIER>/<repo>/    a git worktree per repository, on the ticket's branch
 *   <root>/tickets/<IDENTIFIER>/.openase/  the platform's private area (bin/openase, CLI homes)
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

export class PathEscapeError extends Error {
  constructor(what: string, target: string, root: string) {
    super(`${what} "${target}" would be outside the workspace root ${root}; refused`);
    this.name = 'PathEscapeError';
  }
}

/**
 * Resolves `parts` under `root` and refuses anything that escapes it (`..`, absolute parts, symlink names are not
 * followed here).
 */
export function confined(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...parts);
  if (target !== base && !target.startsWith(base + path.sep)) throw new PathEscapeError('path', parts.join('/'), base);
  return target;
}

/** A file or folder name from user text: `[A-Za-z0-9._-]`, no leading dot, at most 64 characters. */
export function safeSegment(text: string, fallback = 'item'): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/\.\.+/g, '.')
    .slice(0, 64)
    .replace(/[.-]+$/, '');
  return cleaned || fallback;
}

/** The cache folder of a repository: readable name plus a hash of the exact URL (two URLs never share one). */
export function mirrorKey(url: string): string {
  const tail =
    url
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .filter(Boolean)
      .pop() ?? 'repo';
  return `${safeSegment(tail, 'repo')}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

export interface WorkspaceLayout {
  root: string;
  mirror(url: string): string;
  ticket(identifier: string): string;
  worktree(identifier: string, repoName: string): string;
  privateDir(identifier: string): string;
}

export function workspaceLayout(root: string): WorkspaceLayout {
  const abs = path.resolve(root);
  return {
    root: abs,
    mirror: (url) => confined(abs, 'mirrors', `${mirrorKey(url)}.git`),
    ticket: (identifier) => confined(abs, 'tickets', safeSegment(identifier, 'ticket')),
    worktree: (identifier, repoName) =>
      confined(abs, 'tickets', safeSegment(identifier, 'ticket'), safeSegment(repoName, 'repo')),
    privateDir: (identifier) => confined(abs, 'tickets', safeSegment(identifier, 'ticket'), '.openase'),
  };
}
