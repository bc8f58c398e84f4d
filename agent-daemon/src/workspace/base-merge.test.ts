/**
 * The daemon's merge of the default branch into a ticket worktree for a conflict-resolution run, on
 * real git: markers left for the agent, the turn's commit refused while they remain, then the
 * resolution committed as the merge (two parents) and pushed; main's own changes are not the agent's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentJobSpec, RunEvent } from '@openase/shared';
import { createTestRemote, type TestRemote } from '../../test-support/git-remote.js';
import { settleTurn } from '../agent-runs/turn-end.js';
import { baseMergeNote } from './base-merge.js';
import { Workspaces } from './workspace.js';

let remote: TestRemote;
let root: string;
beforeEach(() => {
  remote = createTestRemote({ 'notes.txt': 'first\n', 'lib/a.txt': 'a\n' });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-base-merge-'));
});
afterEach(() => {
  remote.cleanup();
  fs.rmSync(root, { recursive: true, force: true });
});

const ticket = { identifier: 'DEMO-2', title: 'Notes', branch: 'openase/DEMO-2-notes' };
const repo = () => ({ name: 'app', url: remote.url, defaultBranch: 'main' });
const spec = (paths: AgentJobSpec['paths'] = {}) => ({ ticket, paths }) as unknown as AgentJobSpec;

describe('merging the default branch into a ticket worktree', () => {
  it('leaves markers, refuses to commit them, then commits the resolution as the merge and pushes it', async () => {
    const ws = new Workspaces(root);
    const first = await ws.prepare(ticket, [repo()]);
    fs.writeFileSync(path.join(first.repos[0]!.path, 'notes.txt'), 'from the agent\n');
    await settleTurn(ws, first, spec(), 1, () => {});
    remote.commit('main', 'notes.txt', 'from someone else\n');
    remote.commit('main', 'lib/a.txt', 'changed on main\n');

    const prepared = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    const r = prepared.repos[0]!;
    expect(r.baseMerge).toMatchObject({ defaultBranch: 'main', conflicts: ['notes.txt'] });
    expect(fs.readFileSync(path.join(r.path, 'notes.txt'), 'utf8')).toMatch(/^<<<<<<< /m);
    expect(baseMergeNote(prepared.repos)).toMatch(/merging main \([0-9a-f]{12}\) left conflict markers in: notes\.txt/);

    // The agent did nothing: nothing is committed, and it is told why.
    const events: RunEvent[] = [];
    const untouched = await settleTurn(ws, prepared, spec(), 1, (e) => events.push(e));
    expect(untouched.error).toMatch(/conflict markers remain in notes\.txt/);
    expect(remote.log(ticket.branch)[0]).toBe('DEMO-2: Notes (turn 1)');

    // A second run of the round finds the merge in progress and keeps it.
    const again = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    expect(again.repos[0]!.baseMerge!.conflicts).toEqual(['notes.txt']);

    fs.writeFileSync(path.join(r.path, 'notes.txt'), 'from someone else\nfrom the agent\n');
    // Only notes.txt is the agent's: lib/a.txt came from main as is (a paths rule on lib/ does not revert it).
    expect(await ws.changedPaths(again.repos[0]!)).toEqual(['notes.txt']);
    const settled = await settleTurn(ws, again, spec({ deny: ['lib/**'] }), 2, () => {});
    expect(settled).toMatchObject({ pathViolations: [], commits: [{ pushed: true }] });
    expect(settled.error).toBeUndefined();
    expect(remote.show(ticket.branch, 'notes.txt')).toBe('from someone else\nfrom the agent\n');
    expect(remote.show(ticket.branch, 'lib/a.txt')).toBe('changed on main\n');
    const parents = execFileSync('git', ['--git-dir', remote.dir, 'rev-list', '--parents', '-n', '1', ticket.branch], {
      encoding: 'utf8',
    });
    expect(parents.trim().split(' ')).toHaveLength(3);
  });

  it('commits a clean merge at once (pushed after the turn)', async () => {
    const ws = new Workspaces(root);
    const first = await ws.prepare(ticket, [repo()]);
    fs.writeFileSync(path.join(first.repos[0]!.path, 'mine.txt'), 'mine\n');
    await settleTurn(ws, first, spec(), 1, () => {});
    remote.commit('main', 'lib/a.txt', 'changed on main\n');
    const prepared = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    expect(prepared.repos[0]!.baseMerge!.conflicts).toEqual([]);
    expect(baseMergeNote(prepared.repos)).toMatch(/main \([0-9a-f]{12}\) merged without conflicts/);
    const settled = await settleTurn(ws, prepared, spec(), 1, () => {});
    expect(settled.commits[0]).toMatchObject({ pushed: true });
    expect(remote.log(ticket.branch)[0]).toBe(`Merge main into ${ticket.branch}`);
  });
});
