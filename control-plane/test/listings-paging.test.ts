// Listings that page (tickets, runs, activity): every row once, in order, across pages; a row added
// between pages neither repeats nor hides another; a cursor of another listing is refused.
import { expect, it } from 'vitest';
import { OpenaseError } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../src/projects/projects.js';
import { createTicket, listTickets, moveTicket } from '../src/tickets/tickets.js';
import { activityPage, listActivity } from '../src/activity/activity.js';
import { createJoinToken, redeemJoinToken } from '../src/fleet/join.js';
import { listRuns, startCommandRun } from '../src/runs/runs.js';

async function pages<T>(fetch: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const seen: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    seen.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenaseError);
  return `${(err as OpenaseError).code}: ${(err as Error).message}`;
}

forEachDatabase('listings page', (get) => {
  it('pages tickets in board order, each once, and says when there is more', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Paged', ticketPrefix: 'PG' });
    for (let i = 1; i <= 23; i++) {
      const t = await createTicket(deps, admin, { project: 'paged', title: `t${i}` });
      if (i % 3 === 0) await moveTicket(deps, admin, { ticket: t.identifier, status: 'Todo' });
    }
    const whole = (await listTickets(deps.db, admin.orgId, { project: 'paged', limit: 5000 })).items;
    expect(whole).toHaveLength(23);
    const paged = await pages((cursor) => listTickets(deps.db, admin.orgId, { project: 'paged', limit: 5, cursor }));
    expect(paged.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(paged.flat().map((t) => t.identifier)).toEqual(whole.map((t) => t.identifier));
    // Exactly a page's worth: the last page says there is no more (no empty page after it).
    const exact = await listTickets(deps.db, admin.orgId, { project: 'paged', limit: 23 });
    expect(exact.nextCursor).toBeNull();

    // A ticket created between pages lands before the cursor (newest first): no repeat, no gap.
    const first = await listTickets(deps.db, admin.orgId, { project: 'paged', limit: 10 });
    await createTicket(deps, admin, { project: 'paged', title: 'late' });
    const rest = await pages((cursor) =>
      listTickets(deps.db, admin.orgId, { project: 'paged', limit: 10, cursor: cursor ?? first.nextCursor! }),
    );
    expect([...first.items, ...rest.flat()].map((t) => t.identifier)).toEqual(whole.map((t) => t.identifier));

    // The board's way: one column at a time, with every column's count of what matches (status and cursor aside).
    const todo = await listTickets(deps.db, admin.orgId, { project: 'paged', status: 'Todo', limit: 4, counts: true });
    const todoRest = await pages((cursor) =>
      listTickets(deps.db, admin.orgId, {
        project: 'paged',
        status: 'Todo',
        limit: 4,
        cursor: cursor ?? todo.nextCursor!,
      }),
    );
    const todoWhole = whole.filter((t) => t.statusName === 'Todo');
    expect([...todo.items, ...todoRest.flat()].map((t) => t.identifier)).toEqual(todoWhole.map((t) => t.identifier));
    const backlog = whole.find((t) => t.statusName === 'Backlog')!.statusId;
    expect(todo.counts).toEqual({ [todoWhole[0]!.statusId]: 7, [backlog]: 17 });
    await createTicket(deps, admin, { project: 'paged', title: 'labelled', labels: ['needle-label'] });
    const found = await listTickets(deps.db, admin.orgId, { project: 'paged', search: 'NEEDLE', counts: true });
    expect(found.items.map((t) => t.title)).toEqual(['labelled']);
    expect(Object.values(found.counts!)).toEqual([1]);

    expect(await refused(listTickets(deps.db, admin.orgId, { project: 'paged', cursor: '12' }))).toMatch(
      /^BAD_REQUEST: this cursor is not one of a ticket list/,
    );
  });

  it('pages runs newest first, ties of one millisecond broken by id', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const m = (await redeemJoinToken(deps, join.token, { name: 'pager', slots: 2 })).machine;
    const started = await Promise.all(
      Array.from({ length: 12 }, () => startCommandRun(deps, admin, { machine: m.name, command: ['true'] })),
    );
    const whole = (await listRuns(deps.db, admin.orgId, { machine: m.name, limit: 500 })).items;
    expect(whole.map((r) => r.id).sort()).toEqual(started.map((r) => r.id).sort());
    const paged = await pages((cursor) => listRuns(deps.db, admin.orgId, { machine: m.name, limit: 5, cursor }));
    expect(paged.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(paged.flat().map((r) => r.id)).toEqual(whole.map((r) => r.id));
    const times = whole.map((r) => r.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await refused(listRuns(deps.db, admin.orgId, { cursor: '5~6' }))).toMatch(/^BAD_REQUEST: .*run list/);
  });

  it('pages activity oldest first from a cursor', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Logged', ticketPrefix: 'LG' });
    for (let i = 0; i < 7; i++) await createTicket(deps, admin, { project: 'logged', title: `a${i}` });
    const whole = await listActivity(deps.db, { projectId: project.id, limit: 1000 });
    const paged = await pages((cursor) =>
      activityPage(deps.db, { projectId: project.id, afterSeq: 0, cursor, limit: 3 }),
    );
    expect(paged.flat().map((e) => e.seq)).toEqual(whole.map((e) => e.seq));
    expect(paged.at(-1)!.length).toBeGreaterThan(0);
  });
});
