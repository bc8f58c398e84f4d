import { describe, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../projects/projects.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { createJoinToken } from '../fleet/join.js';
import { createChangeBus } from '../kernel/change-bus.js';
import type { Deps } from '../kernel/context.js';
import { listActivity } from './activity.js';
import { decodeCursor, encodeCursor, streamOrgChanges, type LiveEvent } from './live-changes.js';

type Item = { cursor: string; event: LiveEvent };

/** A new project installs the built-in skills, each with its activity entry: not what these tests are about. */
const isBuiltinSkill = (i: Item) => i.event.kind === 'change' && /built-in skill/.test(i.event.change.summary);

/** Reads from a running stream until `count` items arrived (the stream keeps running). */
function reader(stream: AsyncGenerator<Item>) {
  return async (count: number): Promise<Item[]> => {
    const items: Item[] = [];
    while (items.length < count) {
      const next = await stream.next();
      if (next.done) throw new Error('stream ended');
      if (!isBuiltinSkill(next.value)) items.push(next.value);
    }
    return items;
  };
}

const summaries = (items: Item[]) =>
  items.map((i) => (i.event.kind === 'change' ? i.event.change.summary : `ready:${i.event.resumed}`));

describe('live cursor encoding', () => {
  it('round-trips and omits zero seqs', () => {
    const cursor = {
      org: 42,
      projects: new Map([
        ['0b9a7c6e-1d2f-4a3b-8c4d-5e6f7a8b9c0d', 7],
        ['1b9a7c6e-1d2f-4a3b-8c4d-5e6f7a8b9c0d', 0],
      ]),
    };
    const text = encodeCursor(cursor);
    expect(text).toBe('v1~42~0b9a7c6e1d2f4a3b8c4d5e6f7a8b9c0d.7');
    expect(decodeCursor(text)).toEqual({ org: 42, projects: new Map([['0b9a7c6e-1d2f-4a3b-8c4d-5e6f7a8b9c0d', 7]]) });
  });
  it('refuses malformed and oversized cursors', () => {
    for (const bad of [
      '',
      'v2~1',
      'v1~x',
      'v1~1~nothex.3',
      'v1~1~0b9a7c6e1d2f4a3b8c4d5e6f7a8b9c0d',
      'v1~1~0b9a7c6e1d2f4a3b8c4d5e6f7a8b9c0d.-1',
      `v1~1${'~0b9a7c6e1d2f4a3b8c4d5e6f7a8b9c0d.1'.repeat(10_000)}`,
    ]) {
      expect(decodeCursor(bad), bad.slice(0, 40)).toBeNull();
    }
  });
});

forEachDatabase('live changes', (get) => {
  it('starts with ready, then streams every committed change of the organization', async () => {
    const { deps, admin } = get();
    const abort = new AbortController();
    const stream = streamOrgChanges(deps, { orgId: admin.orgId, after: null }, abort.signal);
    const read = reader(stream);
    expect(summaries(await read(1))).toEqual(['ready:false']);
    const project = await createProject(deps, admin, { name: 'Live One', ticketPrefix: 'LIVE' });
    await createTicket(deps, admin, { project: project.slug, title: 'first' });
    await createJoinToken(deps, admin, {});
    const items = await read(3);
    expect(summaries(items)).toEqual([
      `created project Live One (live-one, prefix LIVE)`,
      'created LIVE-1 "first" in Backlog',
      expect.stringMatching(/join token/),
    ]);
    const change = items[1]!.event as Extract<LiveEvent, { kind: 'change' }>;
    expect(change.change).toMatchObject({
      projectId: project.id,
      action: 'ticket.created',
      ticketId: expect.any(String),
    });
    abort.abort();
    expect((await stream.next()).done).toBe(true);
  });

  it('resumes after a disconnect with exactly what was missed, including new projects', async () => {
    const { deps, admin } = get();
    const first = await createProject(deps, admin, { name: 'Resume A', ticketPrefix: 'RA' });
    const abort = new AbortController();
    const stream = streamOrgChanges(deps, { orgId: admin.orgId, after: null }, abort.signal);
    const read = reader(stream);
    await read(1);
    await createTicket(deps, admin, { project: first.slug, title: 'seen' });
    const [seen] = await read(1);
    abort.abort();
    await stream.return(undefined);

    // While disconnected: changes in the known project, a new project, an org-level change.
    await moveTicket(deps, admin, { ticket: 'RA-1', status: 'Todo' });
    const second = await createProject(deps, admin, { name: 'Resume B', ticketPrefix: 'RB' });
    await createTicket(deps, admin, { project: second.slug, title: 'in b' });
    await createJoinToken(deps, admin, {});

    const again = new AbortController();
    const resumed = streamOrgChanges(deps, { orgId: admin.orgId, after: seen!.cursor }, again.signal);
    const items = await reader(resumed)(5);
    const got = summaries(items);
    expect(got[0]).toBe('ready:true');
    expect(got).toHaveLength(5);
    expect(got.slice(1)).toEqual(
      expect.arrayContaining([
        'moved RA-1 from Backlog to Todo',
        'created project Resume B (resume-b, prefix RB)',
        'created RB-1 "in b" in Backlog',
        expect.stringMatching(/join token/),
      ]),
    );
    // Per project, in commit order.
    expect(got.indexOf('created project Resume B (resume-b, prefix RB)')).toBeLessThan(
      got.indexOf('created RB-1 "in b" in Backlog'),
    );
    // Nothing more (no duplicates): the next item is the next new change.
    await createTicket(deps, admin, { project: first.slug, title: 'after' });
    expect(summaries(await reader(resumed)(1))).toEqual(['created RA-2 "after" in Backlog']);
    again.abort();
    await resumed.return(undefined);
  });

  it('fills a gap from the database when another process committed in between', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Gap' });
    const abort = new AbortController();
    const stream = streamOrgChanges(deps, { orgId: admin.orgId, after: null }, abort.signal);
    const read = reader(stream);
    await read(1);
    // Another process: same database, its own bus that this stream never hears.
    const other: Deps = { ...deps, bus: createChangeBus() };
    await createTicket(other, admin, { project: project.slug, title: 'elsewhere' });
    await createTicket(deps, admin, { project: project.slug, title: 'here' });
    expect(summaries(await read(2))).toEqual([
      'created GAP-1 "elsewhere" in Backlog',
      'created GAP-2 "here" in Backlog',
    ]);
    abort.abort();
    await stream.return(undefined);
  });

  it('starts afresh (resumed: false) on a malformed or too old position', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Old' });
    const base = streamOrgChanges(deps, { orgId: admin.orgId, after: null });
    const [ready] = await reader(base)(1);
    await base.return(undefined);
    for (let i = 0; i < 3; i++) await createTicket(deps, admin, { project: project.slug, title: `t${i}` });

    const within = streamOrgChanges(deps, { orgId: admin.orgId, after: ready!.cursor, replayMax: 3 });
    expect(summaries(await reader(within)(4))).toEqual([
      'ready:true',
      'created OLD-1 "t0" in Backlog',
      'created OLD-2 "t1" in Backlog',
      'created OLD-3 "t2" in Backlog',
    ]);
    await within.return(undefined);

    const tooOld = streamOrgChanges(deps, { orgId: admin.orgId, after: ready!.cursor, replayMax: 2 });
    expect(summaries(await reader(tooOld)(1))).toEqual(['ready:false']);
    await tooOld.return(undefined);

    const garbage = streamOrgChanges(deps, { orgId: admin.orgId, after: 'v1~not-a-cursor' });
    const [fresh] = await reader(garbage)(1);
    expect(summaries([fresh!])).toEqual(['ready:false']);
    // A fresh start is positioned at the present: every entry of the project so far counts as seen.
    expect(decodeCursor(fresh!.cursor)!.projects.get(project.id)).toBe(
      (await listActivity(deps.db, { projectId: project.id, limit: 1000 })).length,
    );
    await garbage.return(undefined);
  });

  it('never streams another organization’s changes', async () => {
    const { deps, admin } = get();
    const otherOrg = '00000000-0000-4000-8000-000000000000';
    const stream = streamOrgChanges(deps, { orgId: otherOrg, after: null });
    expect(summaries(await reader(stream)(1))).toEqual(['ready:false']);
    const next = stream.next();
    const project = await createProject(deps, admin, { name: 'Private' });
    const [entry] = await listActivity(deps.db, { projectId: project.id });
    // The first thing the other organization sees is its own entry, not this project's.
    deps.bus.publishActivity([{ ...entry!, orgId: otherOrg, projectId: null, id: 987_654_321 }]);
    const item = (await next).value as Item;
    expect(item.event).toMatchObject({ kind: 'change', change: { id: 987_654_321 } });
    await stream.return(undefined);
  });
});
