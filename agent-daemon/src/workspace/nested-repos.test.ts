/**
 * A repository the agent makes inside its worktree, with a config that runs commands (a clean filter for
 * its files, an fsmonitor): the daemon's `git add` and `git status` look into it as a submodule by
 * starting git there, outside the sandbox. Neither may run what it configured (real git).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspaces } from './workspace.js';
import { gitTestbed } from './git-testbed.js';

const bed = gitTestbed({ 'README.md': '# demo\n', 'src/app.ts': 'export {};\n' }, 'openase-nested-');

/** `git` as the agent runs it in the sandbox: in its own nested repository, with no daemon settings. */
function agentGit(cwd: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  for (const key of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[key];
  execFileSync('git', ['-c', 'user.name=a', '-c', 'user.email=a@b', ...args], { cwd, env, stdio: 'ignore' });
}

describe('a repository the agent nests in its worktree', () => {
  it('runs none of its commands when the daemon commits the turn and lists what changed', async () => {
    const ws = new Workspaces(bed.newRoot());
    const [repo] = (
      await ws.prepare({ identifier: 'DEMO-1', branch: 'openase/DEMO-1-x' }, [
        { name: 'app', url: bed.remote.url, defaultBranch: 'main' },
      ])
    ).repos;
    const marks = bed.newRoot();
    const sub = path.join(repo!.path, 'vendor', 'lib');
    fs.mkdirSync(sub, { recursive: true });
    agentGit(sub, 'init', '-q');
    fs.writeFileSync(path.join(sub, 'f.txt'), 'aa\n');
    fs.writeFileSync(path.join(sub, '.gitattributes'), '* filter=evil\n');
    agentGit(sub, 'add', '-A');
    agentGit(sub, 'commit', '-qm', 'nested');
    agentGit(sub, 'config', 'filter.evil.clean', `sh -c "touch ${marks}/filter; cat"`);
    agentGit(sub, 'config', 'core.fsmonitor', `sh -c "touch ${marks}/fsmonitor"; false`);
    fs.writeFileSync(path.join(sub, 'f.txt'), 'bb\n'); // same size: git must read it (through the filter)
    fs.utimesSync(path.join(sub, 'f.txt'), new Date(Date.now() + 5000), new Date(Date.now() + 5000));

    const commit = await ws.commitAll(repo!, 'turn 1');
    await ws.changedPaths(repo!);
    await ws.commitAll(repo!, 'turn 2');
    expect(fs.readdirSync(marks)).toEqual([]);
    // Committed as plain files, not as a link to a repository the remote never sees.
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const { stdout } = await ws.gitIn(repo!.path, ['ls-tree', '-r', 'HEAD', '--', 'vendor']);
    expect(stdout).toContain('100644 blob');
    expect(stdout).not.toContain('160000 commit');
    expect(fs.existsSync(path.join(sub, '.git'))).toBe(false);
  });
});
