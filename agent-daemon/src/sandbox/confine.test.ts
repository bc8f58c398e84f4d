/**
 * The sandbox and the daemon's git, against what an agent in a ticket workspace could try
 * (docs/security.md): read a hidden folder, write outside its workspace, or plant a repository
 * config that the daemon's own git would obey. Real bwrap and real git.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRemote } from '@openase/test-kit/git-remote';
import { Workspaces } from '../workspace/workspace.js';
import { confineCommand, probeBwrap, type Confinement } from './confine.js';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `openase-${prefix}-`));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const probe = probeBwrap();

describe.skipIf(!('bwrap' in probe))('the sandbox of what a daemon starts', () => {
  const bwrap = 'bwrap' in probe ? probe.bwrap : '';

  it('hides the data dir, reveals only the workspace inside it, and keeps the rest read-only', () => {
    const data = temp('data');
    fs.writeFileSync(path.join(data, 'credentials'), 'oat_admin_secret\n');
    const workspace = path.join(data, 'local-machine', 'workspaces', 'tickets', 'T-1');
    fs.mkdirSync(workspace, { recursive: true });
    const outside = temp('outside');
    const c: Confinement = { mode: 'bwrap', bwrap, hide: [data] };
    // A writable folder that holds the hidden one is not bound: binding it would show the data again.
    const cmd = confineCommand(c, {
      command: 'sh',
      args: ['-c', `cat ${data}/credentials; echo x > ${outside}/planted; echo ok > out.txt; echo done`],
      cwd: workspace,
      writable: [workspace, path.dirname(data)],
    });
    const r = spawnSync(cmd.command, cmd.args, { encoding: 'utf8' });
    expect(r.stdout).toContain('done');
    expect(r.stdout + r.stderr).not.toContain('oat_admin_secret');
    expect(r.stderr).toMatch(/credentials: No such file/);
    expect(fs.readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('ok\n');
    expect(fs.existsSync(path.join(outside, 'planted'))).toBe(true); // /tmp stays writable…
    const ro = confineCommand(c, {
      command: 'sh',
      args: ['-c', 'echo x > /etc/openase-planted'],
      cwd: workspace,
      writable: [workspace],
    });
    expect(spawnSync(ro.command, ro.args, { encoding: 'utf8' }).stderr).toMatch(/Read-only file system/); // …the rest not
    expect(fs.existsSync('/etc/openase-planted')).toBe(false);
  });
});

describe('the daemon runs git in a worktree only through its cache', () => {
  /** A ticket's worktree of a fresh repository, as the daemon prepares it before the agent's turn. */
  async function worktree(identifier: string) {
    const remote = createTestRemote({ 'README.md': '# demo\n' });
    dirs.push(path.dirname(remote.dir));
    const ws = new Workspaces(temp('ws'));
    const prepared = await ws.prepare({ identifier, branch: `openase/${identifier}-x` }, [
      { name: 'app', url: remote.url, defaultBranch: 'main' },
    ]);
    return { ws, repo: prepared.repos[0]! };
  }

  it('a .git file rewritten by the agent to a planted repository (core.fsmonitor) is refused, not obeyed', async () => {
    const { ws, repo } = await worktree('DEMO-1');
    // The agent plants a repository whose config runs a command, and points the worktree at it.
    const planted = path.join(repo.path, '.planted');
    execFileSync('git', ['init', '--quiet', planted]);
    const marker = path.join(temp('marker'), 'ran');
    execFileSync('git', ['-C', planted, 'config', 'core.fsmonitor', `touch ${marker}; false`]);
    fs.writeFileSync(path.join(repo.path, '.git'), `gitdir: ${planted}/.git\n`);
    await expect(ws.commitAll(repo, 'turn 1')).rejects.toThrow(/no longer links to this machine's repository cache/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('neither a carriage return in .git nor the revert of a denied path lets git follow the agent (review, 2026-12-07)', async () => {
    const { ws, repo } = await worktree('DEMO-2');
    const admin = /^gitdir: (.+)$/m.exec(fs.readFileSync(path.join(repo.path, '.git'), 'utf8'))![1]!.trim();
    // `sub` leads to the real admin folder, so a check reading up to the \r passes; git reads on, into `evil`, whose
    // origin runs a command. The revert of a denied path asked git for the remote with a cwd alone, and ran it.
    const marker = path.join(temp('marker'), 'ran');
    fs.symlinkSync(path.resolve(repo.path, admin), path.join(repo.path, 'sub'));
    fs.mkdirSync(path.join(repo.path, 'sub\r'));
    const evil = path.join(path.dirname(repo.path), 'evil');
    execFileSync('git', ['init', '--quiet', evil]);
    execFileSync('git', ['-C', evil, 'config', 'remote.origin.url', `ext::sh -c touch% ${marker}`]);
    execFileSync('git', ['-C', evil, 'config', 'protocol.ext.allow', 'always']);
    fs.writeFileSync(path.join(repo.path, '.git'), `gitdir: sub\r/../../evil/.git\n`);
    fs.writeFileSync(path.join(repo.path, '.env'), 'SECRET=1\n');
    await expect(ws.revertPaths(repo, ['.env'])).rejects.toThrow(/no longer links to this machine's repository cache/);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
