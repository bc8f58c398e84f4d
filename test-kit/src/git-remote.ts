/**
 * A real git remote for tests: a bare repository in a temp folder with one commit on `main`,
 * addressed by a file:// URL, plus helpers to read what was pushed to it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function run(args: string[], cwd?: string): string {
  return execFileSync(
    'git',
    ['-c', 'init.defaultBranch=main', '-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args],
    { cwd, encoding: 'utf8' },
  );
}

export interface TestRemote {
  dir: string;
  url: string;
  /** Files at the tip of `branch` (null if the branch does not exist). */
  files(branch: string): string[] | null;
  show(branch: string, file: string): string;
  log(branch: string): string[];
  /** Adds a commit to `branch` directly in the remote (someone else pushing). */
  commit(branch: string, file: string, content: string): void;
  cleanup(): void;
}

export function createTestRemote(files: Record<string, string> = { 'README.md': '# demo\n' }): TestRemote {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-remote-'));
  const dir = path.join(base, 'origin.git');
  run(['init', '--bare', '--quiet', dir]);
  const seed = path.join(base, 'seed');
  run(['clone', '--quiet', dir, seed]);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(seed, name)), { recursive: true });
    fs.writeFileSync(path.join(seed, name), content);
  }
  run(['add', '--all'], seed);
  run(['commit', '--quiet', '-m', 'initial'], seed);
  run(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], seed);
  const has = (branch: string) => {
    try {
      run(['--git-dir', dir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
      return true;
    } catch {
      return false;
    }
  };
  return {
    dir,
    url: `file://${dir}`,
    files: (branch) =>
      has(branch)
        ? run(['--git-dir', dir, 'ls-tree', '-r', '--name-only', `refs/heads/${branch}`])
            .split('\n')
            .filter(Boolean)
            .sort()
        : null,
    show: (branch, file) => run(['--git-dir', dir, 'show', `refs/heads/${branch}:${file}`]),
    log: (branch) =>
      run(['--git-dir', dir, 'log', '--format=%s', `refs/heads/${branch}`])
        .split('\n')
        .filter(Boolean),
    commit(branch, file, content) {
      const work = fs.mkdtempSync(path.join(base, 'work-'));
      run(['clone', '--quiet', dir, work]);
      run(['checkout', '--quiet', '-B', branch, has(branch) ? `origin/${branch}` : 'origin/main'], work);
      fs.writeFileSync(path.join(work, file), content);
      run(['add', '--all'], work);
      run(['commit', '--quiet', '-m', `external change to ${file}`], work);
      run(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], work);
    },
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}
