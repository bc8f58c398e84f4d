import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdirNoFollow, rmNoFollow, writeFileNoFollow } from './no-follow.js';
import { Workspaces } from './workspace.js';
import { gitTestbed } from './git-testbed.js';

const bed = gitTestbed({ 'README.md': '# demo\n', 'src/app.ts': 'export {};\n' }, 'openase-nofollow-');

/** A workspace folder (what the agent writes) and a folder outside it holding `victim` (what it must not reach). */
function layout() {
  const root = bed.newRoot();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'victim'), 'original\n', { mode: 0o600 });
  return { ws, outside, victim: path.join(outside, 'victim') };
}

describe('writing where the agent writes, following no link', () => {
  it('replaces a file link and a folder link on the way instead of writing through them', async () => {
    const { ws, outside, victim } = layout();
    fs.mkdirSync(path.join(ws, 'a'));
    fs.symlinkSync(victim, path.join(ws, 'a', 'prompt.md'));
    fs.symlinkSync(outside, path.join(ws, 'b'));
    await writeFileNoFollow(ws, path.join(ws, 'a', 'prompt.md'), 'echo pwned\n', 0o755);
    await writeFileNoFollow(ws, path.join(ws, 'b', 'c', 'victim'), 'echo pwned\n');
    await mkdirNoFollow(ws, path.join(ws, 'b', 'd'));
    expect(fs.readFileSync(victim, 'utf8')).toBe('original\n');
    expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(outside)).toEqual(['victim']);
    expect(fs.lstatSync(path.join(ws, 'a', 'prompt.md')).isSymbolicLink()).toBe(false);
    expect(fs.statSync(path.join(ws, 'a', 'prompt.md')).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(path.join(ws, 'b')).sort()).toEqual(['c', 'd']);
    expect(fs.readdirSync(ws).sort()).toEqual(['a', 'b']); // no temporary file left
  });

  it('refuses an anchor that is a link, and a path outside the anchor', async () => {
    const { ws, outside } = layout();
    fs.symlinkSync(outside, path.join(ws, 'private'));
    await expect(writeFileNoFollow(path.join(ws, 'private'), path.join(ws, 'private', 'x'), 'x')).rejects.toThrow(
      /not a folder/,
    );
    await expect(mkdirNoFollow(ws, path.join(ws, '..', 'elsewhere'))).rejects.toThrow(/outside/);
    expect(fs.readdirSync(outside)).toEqual(['victim']);
  });

  it('removes a path only when no folder on the way is a link', async () => {
    const { ws, outside, victim } = layout();
    fs.symlinkSync(outside, path.join(ws, 'src'));
    await rmNoFollow(ws, 'src/victim'); // a path git reported before the agent swapped its folder
    expect(fs.existsSync(victim)).toBe(true);
    await rmNoFollow(ws, 'src'); // the link itself
    expect(fs.existsSync(path.join(ws, 'src'))).toBe(false);
    expect(fs.existsSync(victim)).toBe(true);
  });

  it('refuses git in a worktree swapped for a link to a folder holding a copy of its .git file', async () => {
    const ws = new Workspaces(bed.newRoot());
    const [repo] = (
      await ws.prepare({ identifier: 'DEMO-1', branch: 'openase/DEMO-1-x' }, [
        { name: 'app', url: bed.remote.url, defaultBranch: 'main' },
      ])
    ).repos;
    const elsewhere = bed.newRoot();
    fs.copyFileSync(path.join(repo!.path, '.git'), path.join(elsewhere, '.git'));
    fs.writeFileSync(path.join(elsewhere, 'loot.txt'), 'what the daemon would commit and push\n');
    fs.rmSync(repo!.path, { recursive: true, force: true });
    fs.symlinkSync(elsewhere, repo!.path);
    await expect(ws.commitAll(repo!, 'turn 1')).rejects.toThrow(/\(it is not a folder\); refusing git/);
  });
});
