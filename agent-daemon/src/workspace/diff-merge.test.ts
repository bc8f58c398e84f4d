import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '@openase/shared/domain/diff';
import { gitDiffOpSchema, gitMergeOpSchema, type GitDiffOp } from '@openase/shared/protocol/git-ops';
import { Workspaces } from './workspace.js';
import { createTestRemote } from '@openase/test-kit/git-remote';
import { gitTestbed } from './git-testbed.js';
import { diffTicket } from './diff.js';
import { mergeTicketBranch } from './merge.js';

const bed = gitTestbed(
  { 'README.md': '# demo\n', 'src/app.ts': 'export const a = 1;\nexport const b = 2;\n' },
  'openase-diff-',
);
const { newRoot } = bed;

const ticket = { identifier: 'DEMO-1', branch: 'openase/DEMO-1-add-login', title: 'Add login' };
const repo = () => ({ name: 'app', url: bed.remote.url, defaultBranch: 'main' });
const diffOp = (extra: Partial<GitDiffOp> = {}) =>
  gitDiffOpSchema.parse({ kind: 'diff', ticket, repos: [repo()], ...extra });
const mergeOp = (method: 'merge' | 'squash' | 'rebase', deleteBranch = true) =>
  gitMergeOpSchema.parse({ kind: 'merge', ticket, repo: repo(), method, deleteBranch, approvedBy: ['Ada'] });

async function collect(ws: Workspaces, op: GitDiffOp) {
  let text = '';
  const result = await diffTicket(ws, op, (_repo, t) => (text += t));
  return { result: result[0]!, text };
}

/** A worktree with one pushed commit (login.ts, a changed line) and one uncommitted edit. */
async function workedOn(ws: Workspaces) {
  const [r] = (await ws.prepare(ticket, [repo()])).repos;
  fs.writeFileSync(path.join(r!.path, 'login.ts'), 'export const login = true;\n');
  fs.writeFileSync(path.join(r!.path, 'src/app.ts'), 'export const a = 1;\nexport const b = 3;\n');
  await ws.commitAll(r!, 'DEMO-1: login');
  await ws.push(r!);
  fs.appendFileSync(path.join(r!.path, 'README.md'), 'more\n');
  return r!;
}

describe('the diff of a ticket branch', () => {
  it('is read from the worktree (with uncommitted edits), from the remote elsewhere, and per run range', async () => {
    const ws = new Workspaces(newRoot());
    const r = await workedOn(ws);
    const local = await collect(ws, diffOp());
    expect(local.result).toMatchObject({ source: 'worktree', additions: 3, deletions: 1, tooLarge: false });
    expect(local.result.files.map((f) => f.path).sort()).toEqual(['README.md', 'login.ts', 'src/app.ts']);
    const files = parseUnifiedDiff(local.text);
    expect(files.find((f) => f.path === 'login.ts')).toMatchObject({ status: 'added', additions: 1 });
    const app = files.find((f) => f.path === 'src/app.ts')!;
    expect(app.hunks[0]!.lines.find((l) => l.kind === 'add')).toMatchObject({ text: 'export const b = 3;', newNo: 2 });
    expect(local.text.length).toBe(local.result.bytes);

    const elsewhere = new Workspaces(newRoot());
    const remoteDiff = await collect(elsewhere, diffOp());
    expect(remoteDiff.result).toMatchObject({ source: 'remote', additions: 2, deletions: 1 });
    expect(remoteDiff.result.files.map((f) => f.path).sort()).toEqual(['login.ts', 'src/app.ts']);

    const stat = await collect(elsewhere, diffOp({ statOnly: true }));
    expect(stat.text).toBe('');
    expect(stat.result.files).toHaveLength(2);

    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: r.path, encoding: 'utf8' }).trim();
    const ranged = await collect(elsewhere, diffOp({ ranges: [{ repo: 'app', from: r.baseCommit, to: head }] }));
    expect(ranged.result).toMatchObject({ source: 'range', base: r.baseCommit, head, additions: 2 });
  });

  it('stops at the byte cap with every file still counted, and says why a branch has no diff', async () => {
    const ws = new Workspaces(newRoot());
    const [r] = (await ws.prepare(ticket, [repo()])).repos;
    fs.writeFileSync(path.join(r!.path, 'big.txt'), 'x'.repeat(80).concat('\n').repeat(5000));
    fs.writeFileSync(path.join(r!.path, 'small.txt'), 'small\n');
    // New files the agent has not committed yet appear once its turn ends (the daemon commits them).
    const { result, text } = await collect(ws, diffOp({ maxBytes: 10_000 }));
    expect(result).toMatchObject({ tooLarge: false, bytes: 0, files: [] });
    await ws.commitAll(r!, 'big');
    const cut = await collect(ws, diffOp({ maxBytes: 10_000 }));
    expect(cut.result).toMatchObject({ tooLarge: true, bytes: 10_000, additions: 5001 });
    expect(cut.result.files.map((f) => f.path)).toEqual(['big.txt', 'small.txt']);
    expect(cut.text.length).toBe(10_000);
    expect(parseUnifiedDiff(cut.text, { truncated: true })[0]!.truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(10_000);
    const elsewhere = new Workspaces(newRoot());
    const none = await collect(elsewhere, diffOp());
    expect(none.result.error).toMatch(/branch openase\/DEMO-1-add-login is not on the remote of app/);
  });
});

describe('the platform merge', () => {
  it('merges with a merge commit, pushes the default branch and deletes the ticket branch', async () => {
    const ws = new Workspaces(newRoot());
    await workedOn(ws);
    const result = await mergeTicketBranch(ws, mergeOp('merge'));
    expect(result).toMatchObject({ outcome: 'merged', branchDeleted: true });
    expect(bed.remote.files('main')).toEqual(['README.md', 'login.ts', 'src/app.ts']);
    expect(bed.remote.log('main')[0]).toBe('Merge openase/DEMO-1-add-login: DEMO-1: Add login');
    expect(bed.remote.files(ticket.branch)).toBeNull();
    // Merged already (branch gone): says so instead of failing silently.
    await expect(mergeTicketBranch(ws, mergeOp('merge'))).rejects.toThrow(/not on the remote of app/);
  });

  it('squashes into one commit, or rebases onto a moved default branch', async () => {
    const ws = new Workspaces(newRoot());
    await workedOn(ws);
    bed.remote.commit('main', 'other.txt', 'someone else\n');
    expect(await mergeTicketBranch(ws, mergeOp('squash', false))).toMatchObject({ outcome: 'merged' });
    expect(bed.remote.log('main').slice(0, 2)).toEqual(['DEMO-1: Add login', 'external change to other.txt']);
    expect(bed.remote.files(ticket.branch)).not.toBeNull();
    expect(await mergeTicketBranch(ws, mergeOp('squash', false))).toMatchObject({ outcome: 'nothing' });

    const second = createTestRemote({ 'a.txt': 'a\n' });
    try {
      const repo2 = { name: 'app', url: second.url, defaultBranch: 'main' };
      const ws2 = new Workspaces(newRoot());
      const [r] = (await ws2.prepare(ticket, [repo2])).repos;
      fs.writeFileSync(path.join(r!.path, 'b.txt'), 'b\n');
      await ws2.commitAll(r!, 'DEMO-1: b');
      await ws2.push(r!);
      second.commit('main', 'c.txt', 'c\n');
      const op = gitMergeOpSchema.parse({ ...mergeOp('rebase'), repo: repo2 });
      expect(await mergeTicketBranch(ws2, op)).toMatchObject({ outcome: 'merged', branchDeleted: true });
      expect(second.log('main')).toEqual(['DEMO-1: b', 'external change to c.txt', 'initial']);
    } finally {
      second.cleanup();
    }
  });

  it('reports a conflict with its files and hunks and pushes nothing', async () => {
    const ws = new Workspaces(newRoot());
    await workedOn(ws);
    bed.remote.commit('main', 'src/app.ts', 'export const a = 1;\nexport const b = 4;\n');
    const before = bed.remote.log('main');
    const result = await mergeTicketBranch(ws, mergeOp('merge'));
    expect(result).toMatchObject({ outcome: 'conflict', conflicts: ['src/app.ts'], branchDeleted: false });
    expect(result.detail).toMatch(/<<<<<<<[\s\S]*export const b = 4;[\s\S]*export const b = 3;/);
    expect(bed.remote.log('main')).toEqual(before);
    expect(bed.remote.files(ticket.branch)).not.toBeNull();
    // The throw-away worktree is gone.
    expect(fs.readdirSync(path.join(ws.layout.root, 'merges'))).toEqual([]);
  });
});
