/** A real git repository with a worktree, and a private dir, for a real agent CLI to work in. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestWorkspace {
  root: string;
  worktree: string;
  privateDir: string;
  git(...args: string[]): string;
  remove(): void;
}

export function createTestWorkspace(name = 'ws'): TestWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), `openase-${name}-`));
  const repo = path.join(root, 'repo');
  const worktree = path.join(root, 'worktree');
  const privateDir = path.join(root, 'private');
  mkdirSync(repo);
  mkdirSync(privateDir);
  const run = (cwd: string, args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  run(repo, ['init', '-q', '-b', 'main']);
  writeFileSync(path.join(repo, 'README.md'), '# test repo\n');
  run(repo, ['add', '.']);
  run(repo, ['commit', '-q', '-m', 'init']);
  run(repo, ['worktree', 'add', '-q', '-b', 'openase/T-1-test', worktree]);
  return {
    root,
    worktree,
    privateDir,
    git: (...args) => run(worktree, args),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
