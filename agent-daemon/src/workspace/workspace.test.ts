import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Workspaces, pathViolations } from './workspace.js';
import { gitTestbed } from './git-testbed.js';

const bed = gitTestbed({ 'README.md': '# demo\n', 'src/app.ts': 'export {};\n' }, 'openase-ws-');
const { newRoot } = bed;

const ticket = { identifier: 'DEMO-1', branch: 'openase/DEMO-1-add-login' };
const repo = () => ({ name: 'app', url: bed.remote.url, defaultBranch: 'main' });

/** Another machine: its own workspaces root, with the ticket's repository prepared there. */
async function newMachine() {
  const ws = new Workspaces(newRoot());
  const [prepared] = (await ws.prepare(ticket, [repo()])).repos;
  return { ws, repo: prepared! };
}

/** Writes `file` into the machine's worktree, commits it as `message` and pushes the ticket branch. */
async function pushFile(
  machine: Awaited<ReturnType<typeof newMachine>>,
  file: string,
  content: string,
  message: string,
) {
  fs.writeFileSync(path.join(machine.repo.path, file), content);
  await machine.ws.commitAll(machine.repo, message);
  await machine.ws.push(machine.repo);
}

describe('ticket workspaces on real git', () => {
  it('prepares a worktree on the ticket branch, commits what the agent left and pushes it', async () => {
    const ws = new Workspaces(newRoot());
    const steps: string[] = [];
    const prepared = await ws.prepare(ticket, [repo()], (m) => steps.push(m));
    const [r] = prepared.repos;
    expect(r!.worktree).toBe('created');
    expect(steps.join('\n')).toMatch(/cloning .* into the machine's cache/);
    expect(fs.existsSync(path.join(r!.path, 'README.md'))).toBe(true);
    expect(fs.statSync(prepared.privateDir).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(r!.path, 'login.ts'), 'export const login = true;\n');
    const commit = await ws.commitAll(r!, 'DEMO-1: Add login');
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.commitAll(r!, 'nothing')).toBeNull();
    await ws.push(r!);
    expect(bed.remote.files(ticket.branch)).toEqual(['README.md', 'login.ts', 'src/app.ts']);
    expect(bed.remote.log(ticket.branch)[0]).toBe('DEMO-1: Add login');
    expect(bed.remote.files('main')).toEqual(['README.md', 'src/app.ts']);
  });

  it('continues from the pushed branch on another machine (relay stages see earlier commits)', async () => {
    const first = await newMachine();
    await pushFile(first, 'design.md', 'the design\n', 'DEMO-1: design');
    const second = await newMachine();
    expect(fs.readFileSync(path.join(second.repo.path, 'design.md'), 'utf8')).toBe('the design\n');
    await pushFile(second, 'backend.ts', 'export {};\n', 'DEMO-1: backend');
    expect(bed.remote.log(ticket.branch).slice(0, 2)).toEqual(['DEMO-1: backend', 'DEMO-1: design']);
  });

  it('reuses a kept worktree and fast-forwards it to what others pushed', async () => {
    const machine = await newMachine();
    await pushFile(machine, 'one.txt', '1\n', 'one');
    bed.remote.commit(ticket.branch, 'two.txt', '2\n');
    const [again] = (await machine.ws.prepare(ticket, [repo()])).repos;
    expect(again!.worktree).toBe('reused');
    expect(fs.readFileSync(path.join(again!.path, 'two.txt'), 'utf8')).toBe('2\n');
  });

  it('lists changed paths since the run started, committed or not, and checks them against the harness', async () => {
    const ws = new Workspaces(newRoot());
    const [r] = (await ws.prepare(ticket, [repo()])).repos;
    fs.writeFileSync(path.join(r!.path, 'src', 'app.ts'), 'export const x = 1;\n');
    await ws.commitAll(r!, 'edit app');
    fs.mkdirSync(path.join(r!.path, '.github'), { recursive: true });
    fs.writeFileSync(path.join(r!.path, '.github', 'ci.yml'), 'on: push\n');
    fs.writeFileSync(path.join(r!.path, 'notes.md'), 'n\n');
    const changed = await ws.changedPaths(r!);
    expect(changed).toEqual(['.github/ci.yml', 'notes.md', 'src/app.ts']);
    expect(pathViolations(changed, { allow: ['src/**', '*.md'], deny: ['.github/**'] })).toEqual([
      { path: '.github/ci.yml', rule: 'denied by paths.deny ".github/**"' },
    ]);
    expect(pathViolations(changed, { allow: ['src/**'] }).map((v) => v.path)).toEqual(['.github/ci.yml', 'notes.md']);
    expect(pathViolations(changed, {})).toEqual([]);
  });

  it('removes the workspace and its worktrees when the ticket is done', async () => {
    const ws = new Workspaces(newRoot());
    const prepared = await ws.prepare(ticket, [repo()]);
    await ws.remove(ticket.identifier, [repo()]);
    expect(fs.existsSync(prepared.dir)).toBe(false);
    // The cache stays, and the ticket can be prepared again from scratch.
    const again = await ws.prepare(ticket, [repo()]);
    expect(again.repos[0]!.worktree).toBe('created');
  });

  it('prepares and removes many tickets of one repository at once without corrupting the shared cache', async () => {
    // Two Project AI conversations (or two slots) start together: fetching into the cache while
    // another run adds its worktree used to fail with "bad object worktrees/<name>/HEAD".
    const ws = new Workspaces(newRoot());
    const tickets = Array.from({ length: 8 }, (_, i) => ({
      identifier: `DEMO-${i + 10}`,
      branch: `openase/DEMO-${i + 10}`,
    }));
    for (let round = 0; round < 3; round++) {
      const prepared = await Promise.all(tickets.map((t) => ws.prepare(t, [repo()])));
      expect(prepared.map((p) => p.repos[0]!.worktree)).toEqual(tickets.map(() => 'created'));
      await Promise.all(tickets.map((t) => ws.remove(t.identifier, [repo()])));
    }
  });

  it('keeps hostile identifiers and repository names inside the root, and says when a branch is missing', async () => {
    const root = newRoot();
    const ws = new Workspaces(root);
    const prepared = await ws.prepare({ identifier: '../../etc', branch: 'openase/X-1' }, [
      { ...repo(), name: '../../../tmp/evil' },
    ]);
    expect(prepared.dir.startsWith(path.join(root, 'tickets') + path.sep)).toBe(true);
    expect(prepared.repos[0]!.path.startsWith(prepared.dir + path.sep)).toBe(true);
    await expect(
      ws.prepare({ identifier: 'DEMO-2', branch: 'openase/DEMO-2' }, [{ ...repo(), defaultBranch: 'develop' }]),
    ).rejects.toThrow(
      /has no branch "develop" on its remote \(its branches: main\); set the branch agents start from .* `openase repo update app --branch main`/,
    );
  });
});
