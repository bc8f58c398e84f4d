/**
 * The daemon's merge of the default branch into a ticket worktree for a conflict-resolution run, on
 * real git: markers left for the agent, the turn's commit refused while they remain, then the
 * resolution committed as the merge (two parents) and pushed; main's own changes are not the agent's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '@openase/shared/events/run-events';
import type { AgentJobSpec } from '@openase/shared/protocol/agent-run';
import { settleTurn } from '../agent-runs/turn-end.js';
import { baseMergeNote } from './base-merge.js';
import { Workspaces } from './workspace.js';
import { gitTestbed } from './git-testbed.js';

const bed = gitTestbed({ 'notes.txt': 'first\n', 'lib/a.txt': 'a\n' }, 'openase-base-merge-');
let root: string;
beforeEach(() => {
  root = bed.newRoot();
});

const ticket = { identifier: 'DEMO-2', title: 'Notes', branch: 'openase/DEMO-2-notes' };
const repo = () => ({ name: 'app', url: bed.remote.url, defaultBranch: 'main' });
const spec = (paths: AgentJobSpec['paths'] = {}) => ({ ticket, paths }) as unknown as AgentJobSpec;

/** A first turn in which the agent wrote `file` into the ticket's worktree, settled (committed and pushed). */
async function firstTurnWrote(file: string, content: string): Promise<Workspaces> {
  const ws = new Workspaces(root);
  const first = await ws.prepare(ticket, [repo()]);
  fs.writeFileSync(path.join(first.repos[0]!.path, file), content);
  await settleTurn(ws, first, spec(), 1, () => {});
  return ws;
}

describe('merging the default branch into a ticket worktree', () => {
  it('leaves markers, refuses to commit them, then commits the resolution as the merge and pushes it', async () => {
    const ws = await firstTurnWrote('notes.txt', 'from the agent\n');
    bed.remote.commit('main', 'notes.txt', 'from someone else\n');
    bed.remote.commit('main', 'lib/a.txt', 'changed on main\n');

    const prepared = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    const r = prepared.repos[0]!;
    expect(r.baseMerge).toMatchObject({ defaultBranch: 'main', conflicts: ['notes.txt'] });
    expect(fs.readFileSync(path.join(r.path, 'notes.txt'), 'utf8')).toMatch(/^<<<<<<< /m);
    expect(baseMergeNote(prepared.repos)).toMatch(/merging main \([0-9a-f]{12}\) left conflict markers in: notes\.txt/);

    // The agent did nothing: nothing is committed, and it is told why.
    const events: RunEvent[] = [];
    const untouched = await settleTurn(ws, prepared, spec(), 1, (e) => events.push(e));
    expect(untouched.error).toMatch(/conflict markers remain in notes\.txt/);
    expect(bed.remote.log(ticket.branch)[0]).toBe('DEMO-2: Notes (turn 1)');

    // A second run of the round finds the merge in progress and keeps it.
    const again = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    expect(again.repos[0]!.baseMerge!.conflicts).toEqual(['notes.txt']);

    fs.writeFileSync(path.join(r.path, 'notes.txt'), 'from someone else\nfrom the agent\n');
    // Only notes.txt is the agent's: lib/a.txt came from main as is (a paths rule on lib/ does not revert it).
    expect(await ws.changedPaths(again.repos[0]!)).toEqual(['notes.txt']);
    const settled = await settleTurn(ws, again, spec({ deny: ['lib/**'] }), 2, () => {});
    expect(settled).toMatchObject({ pathViolations: [], commits: [{ pushed: true }] });
    expect(settled.error).toBeUndefined();
    expect(bed.remote.show(ticket.branch, 'notes.txt')).toBe('from someone else\nfrom the agent\n');
    expect(bed.remote.show(ticket.branch, 'lib/a.txt')).toBe('changed on main\n');
    const parents = execFileSync(
      'git',
      ['--git-dir', bed.remote.dir, 'rev-list', '--parents', '-n', '1', ticket.branch],
      {
        encoding: 'utf8',
      },
    );
    expect(parents.trim().split(' ')).toHaveLength(3);
  });

  it("does not count the merge's own files under the paths rules, resolved or not", async () => {
    const ws = new Workspaces(root);
    const lib = ['one\n', 'two\n', 'three\n', 'four\n', 'five\n'];
    bed.remote.commit('main', 'lib/b.txt', lib.join(''));
    const first = await ws.prepare(ticket, [repo()]);
    const r = first.repos[0]!;
    fs.writeFileSync(path.join(r.path, 'notes.txt'), 'from the agent\n');
    fs.writeFileSync(path.join(r.path, 'lib/b.txt'), ['ONE\n', ...lib.slice(1)].join(''));
    await settleTurn(ws, first, spec(), 1, () => {});
    bed.remote.commit('main', 'notes.txt', 'from someone else\n');
    // Both sides changed lib/b.txt, apart: git merges it cleanly, so it is neither side's version.
    bed.remote.commit('main', 'lib/b.txt', [...lib.slice(0, 4), 'FIVE\n'].join(''));
    const merging = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    const merged = ['ONE\n', ...lib.slice(1, 4), 'FIVE\n'].join('');
    expect(fs.readFileSync(path.join(r.path, 'lib/b.txt'), 'utf8')).toBe(merged);
    const rules = spec({ deny: ['lib/**', 'secret.txt'] });

    // Unresolved, and the agent wrote a denied file: that one is reverted, the merge's lib/b.txt is not its change.
    fs.writeFileSync(path.join(r.path, 'secret.txt'), 'nope\n');
    const unresolved = await settleTurn(ws, merging, rules, 1, () => {});
    expect(unresolved.pathViolations).toEqual([{ path: 'secret.txt', rule: 'denied by paths.deny "secret.txt"' }]);
    expect(unresolved.error).toMatch(/^conflict markers remain in notes\.txt/);
    expect(fs.existsSync(path.join(r.path, 'secret.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(r.path, 'lib/b.txt'), 'utf8')).toBe(merged);
    // Its own edit of a merged file is a violation, reverted to what the merge made of it (not the run's base).
    fs.writeFileSync(path.join(r.path, 'lib/b.txt'), 'rewritten\n');
    const edited = await settleTurn(ws, merging, rules, 1, () => {});
    expect(edited.pathViolations.map((v) => v.path)).toEqual(['lib/b.txt']);
    expect(fs.readFileSync(path.join(r.path, 'lib/b.txt'), 'utf8')).toBe(merged);

    const again = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    fs.writeFileSync(path.join(r.path, 'notes.txt'), 'from someone else\nfrom the agent\n');
    expect(await ws.changedPaths(again.repos[0]!)).toEqual(['notes.txt']);
    const settled = await settleTurn(ws, again, rules, 2, () => {});
    expect(settled).toMatchObject({ pathViolations: [], commits: [{ pushed: true }] });
    expect(settled.error).toBeUndefined();
    expect(bed.remote.show(ticket.branch, 'lib/b.txt')).toBe(merged);
  });

  it('commits a clean merge at once (pushed after the turn)', async () => {
    const ws = await firstTurnWrote('mine.txt', 'mine\n');
    bed.remote.commit('main', 'lib/a.txt', 'changed on main\n');
    const prepared = await ws.prepare(ticket, [repo()], () => {}, { mergeDefaultBranch: true });
    expect(prepared.repos[0]!.baseMerge!.conflicts).toEqual([]);
    expect(baseMergeNote(prepared.repos)).toMatch(/main \([0-9a-f]{12}\) merged without conflicts/);
    const settled = await settleTurn(ws, prepared, spec(), 1, () => {});
    expect(settled.commits[0]).toMatchObject({ pushed: true });
    expect(bed.remote.log(ticket.branch)[0]).toBe(`Merge main into ${ticket.branch}`);
  });
});
