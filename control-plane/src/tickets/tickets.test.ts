import { expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { tickets } from '../db/schema.js';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../projects/projects.js';
import { addRepository } from '../projects/repositories.js';
import { createStatus, deleteStatus, listStatuses, updateStatus } from '../statuses/statuses.js';
import { createAgent } from '../agents/agents.js';
import { createFromTemplate } from '../workflows/templates.js';
import { listActivity } from '../activity/activity.js';
import { archiveTicket, createTicket, listTickets, moveTicket, updateTicket } from './tickets.js';
import { linkTickets } from './dependencies.js';
import { addComment, commentHistory, editComment } from './comments.js';
import { ticketDetail } from './detail.js';
import { retryTicket } from './retry.js';
import { expectCode } from '../../test/expect-code.js';
import { insertRun } from '../../test/agent-project.js';

forEachDatabase('tickets', (get) => {
  it('derives slug and prefix from the name and creates the default statuses', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Demo' });
    expect(project.slug).toBe('demo');
    expect(project.ticketPrefix).toBe('DEMO');
    const statuses = await listStatuses(deps.db, project.id);
    expect(statuses.map((s) => `${s.name}:${s.stage}`)).toEqual([
      'Backlog:backlog',
      'Todo:unstarted',
      'In Progress:started',
      'In Review:started',
      'Done:completed',
      'Cancelled:canceled',
    ]);
    await expectCode(createProject(deps, admin, { name: 'demo' }), 'CONFLICT', /slug "demo" already exists/);
  });

  it('gives 200 concurrent creates 200 distinct, gap-free identifiers', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Race', ticketPrefix: 'RACE' });
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createTicket(deps, admin, { project: 'race', title: `ticket ${i}` })),
    );
    const numbers = created.map((t) => t.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(created.map((t) => t.identifier)).size).toBe(200);
  });

  it('moves a ticket and records both changes in the activity log', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Moves' });
    const ticket = await createTicket(deps, admin, { project: 'moves', title: 'Add login' });
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'todo' });
    const detail = await ticketDetail(deps.db, admin.orgId, ticket.identifier.toLowerCase());
    expect(detail.status.name).toBe('Todo');
    expect(detail.activity.map((a) => a.action)).toEqual(['ticket.created', 'ticket.moved']);
    expect(detail.activity[1]!.before).toEqual({ status: 'Backlog' });
    expect(detail.activity[1]!.after).toEqual({ status: 'Todo' });
    const seqs = (await listActivity(deps.db, { projectId: project.id })).map((a) => a.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it("starts a parked or retry-waiting ticket's attempts over when a person moves it, as the docs and `ticket why` say", async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Parked' });
    const parked = await createTicket(deps, admin, { project: 'parked', title: 'Flaky', status: 'Todo' });
    const waiting = await createTicket(deps, admin, { project: 'parked', title: 'Again', status: 'Todo' });
    const later = new Date(Date.now() + 60_000);
    await deps.db
      .update(tickets)
      .set({ attemptCount: 3, parkedReason: 'max attempts (3) reached' })
      .where(eq(tickets.id, parked.id));
    await deps.db.update(tickets).set({ attemptCount: 2, nextRetryAt: later }).where(eq(tickets.id, waiting.id));
    for (const t of [parked, waiting]) {
      await moveTicket(deps, admin, { ticket: t.identifier, status: 'Backlog' });
      const [row] = await deps.db.select().from(tickets).where(eq(tickets.id, t.id));
      expect(row).toMatchObject({ attemptCount: 0, parkedReason: null, nextRetryAt: null });
    }
    const moved = (await ticketDetail(deps.db, admin.orgId, parked.identifier)).activity.at(-1)!;
    expect(moved.summary).toMatch(/it was parked: max attempts \(3\) reached; attempts start over/);
  });

  it('refuses an unknown status with the known ones listed', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Unknown' });
    const t = await createTicket(deps, admin, { project: 'unknown', title: 'x' });
    await expectCode(
      moveTicket(deps, admin, { ticket: t.identifier, status: 'Nope' }),
      'NOT_FOUND',
      /status "Nope" does not exist.*Backlog, Todo/,
    );
    await expectCode(createTicket(deps, admin, { project: 'unknown', title: 'x', status: 'Nope' }), 'NOT_FOUND');
  });

  it('refuses dependency cycles, direct and transitive, and parent cycles', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Deps' });
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((title) => createTicket(deps, admin, { project: 'deps', title })),
    );
    await linkTickets(deps, admin, { blocker: a!.identifier, blocked: b!.identifier });
    await linkTickets(deps, admin, { blocker: b!.identifier, blocked: c!.identifier });
    await expectCode(linkTickets(deps, admin, { blocker: a!.identifier, blocked: a!.identifier }), 'DEPENDENCY_CYCLE');
    await expectCode(linkTickets(deps, admin, { blocker: b!.identifier, blocked: a!.identifier }), 'DEPENDENCY_CYCLE');
    await expectCode(
      linkTickets(deps, admin, { blocker: c!.identifier, blocked: a!.identifier }),
      'DEPENDENCY_CYCLE',
      /would make a cycle/,
    );
    await expectCode(linkTickets(deps, admin, { blocker: a!.identifier, blocked: b!.identifier }), 'CONFLICT');
    const detail = await ticketDetail(deps.db, admin.orgId, b!.identifier);
    expect(detail.blockedBy.map((x) => x.identifier)).toEqual([a!.identifier]);
    expect(detail.blocks.map((x) => x.identifier)).toEqual([c!.identifier]);

    await updateTicket(deps, admin, { ticket: b!.identifier, parent: a!.identifier });
    await expectCode(updateTicket(deps, admin, { ticket: a!.identifier, parent: b!.identifier }), 'DEPENDENCY_CYCLE');
    await expectCode(updateTicket(deps, admin, { ticket: a!.identifier, parent: a!.identifier }), 'DEPENDENCY_CYCLE');
  });

  it('refuses oversized and empty input with a clear message', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Sizes' });
    await expectCode(
      createTicket(deps, admin, { project: 'sizes', title: 'x'.repeat(501) }),
      'VALIDATION_FAILED',
      /at most 500/,
    );
    await expectCode(
      createTicket(deps, admin, { project: 'sizes', title: '   ' }),
      'VALIDATION_FAILED',
      /needs a title/,
    );
    await expectCode(
      createTicket(deps, admin, { project: 'sizes', title: 'ok', description: 'd'.repeat(100_001) }),
      'VALIDATION_FAILED',
    );
    await expectCode(
      createTicket(deps, admin, { project: 'nowhere', title: 'ok' }),
      'NOT_FOUND',
      /project "nowhere" does not exist/,
    );
  });

  it('stores SQL-ish and shell-ish text verbatim', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Hostile' });
    const title = `Robert'); DROP TABLE tickets;-- $(rm -rf /) \`id\` "quoted" ../../etc/passwd \u2603`;
    const description = `line1\nline2\t%_\\ ${'x'.repeat(1000)} <script>alert(1)</script>`;
    const t = await createTicket(deps, admin, { project: 'hostile', title, description, labels: ["it's", '$(x)'] });
    const detail = await ticketDetail(deps.db, admin.orgId, t.identifier);
    expect(detail.title).toBe(title);
    expect(detail.description).toBe(description);
    expect(detail.labels).toEqual(["it's", '$(x)']);
    const found = await listTickets(deps.db, admin.orgId, { project: 'hostile', search: "'); DROP" });
    expect(found.items.map((x) => x.id)).toEqual([t.id]);
    expect((await listTickets(deps.db, admin.orgId, { project: 'hostile', search: '%' })).items).toHaveLength(0);
  });

  it('deletes a status only after moving its tickets, recording each move', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Columns' });
    await createStatus(deps, admin, { project: 'columns', name: 'QA', stage: 'started', position: 3 });
    const t = await createTicket(deps, admin, { project: 'columns', title: 'x', status: 'QA' });
    await expectCode(
      deleteStatus(deps, admin, { project: 'columns', status: 'QA' }),
      'CONFLICT',
      /^status "QA" still holds 1 ticket\(s\) \(e\.g\. COLUMN-1\); choose the status to move them to, then delete it$/,
    );
    const result = await deleteStatus(deps, admin, { project: 'columns', status: 'QA', moveTicketsTo: 'In Review' });
    expect(result.movedTickets).toBe(1);
    const detail = await ticketDetail(deps.db, admin.orgId, t.identifier);
    expect(detail.status.name).toBe('In Review');
  });

  it('refuses to delete a status a workflow picks up from or finishes in, naming the workflow', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Flows' });
    await createAgent(deps, admin, { project: 'flows', name: 'coder', adapter: 'claude-code' });
    await createFromTemplate(deps, admin, { project: 'flows', template: 'full-stack', agent: 'coder' });
    await expectCode(
      deleteStatus(deps, admin, { project: 'flows', status: 'Todo' }),
      'CONFLICT',
      /workflow "full-stack-developer" \(v1\) picks up tickets from it/,
    );
    await expectCode(
      deleteStatus(deps, admin, { project: 'flows', status: 'in review' }),
      'CONFLICT',
      /finishes tickets in it/,
    );
    // Every use is listed: In Progress is a pickup status and the agent's move scope.
    await expectCode(
      deleteStatus(deps, admin, { project: 'flows', status: 'In Progress' }),
      'CONFLICT',
      /workflow "full-stack-developer" \(v1\) picks up tickets from it and sends rework to it and lets its agent move tickets to it \(scope\)/,
    );
    // A rename is refused the same way (the harness files name it); a change of case is fine.
    await expectCode(
      updateStatus(deps, admin, { project: 'flows', status: 'Todo', name: 'Ready' }),
      'CONFLICT',
      /status "Todo" cannot be renamed while workflows name it: workflow "full-stack-developer" \(v1\) picks up tickets from it/,
    );
    expect((await updateStatus(deps, admin, { project: 'flows', status: 'Todo', name: 'TODO' })).name).toBe('TODO');
    expect((await updateStatus(deps, admin, { project: 'flows', status: 'Backlog', name: 'Icebox' })).name).toBe(
      'Icebox',
    );
    expect(await deleteStatus(deps, admin, { project: 'flows', status: 'Icebox' })).toMatchObject({ movedTickets: 0 });
  });

  it('keeps comment history and archives tickets', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Talk' });
    const t = await createTicket(deps, admin, { project: 'talk', title: 'x' });
    const c = await addComment(deps, admin, { ticket: t.identifier, body: 'first' });
    const edited = await editComment(deps, admin, { commentId: c.id, body: 'second' });
    expect(edited.revision).toBe(2);
    expect((await commentHistory(deps.db, admin.orgId, c.id)).map((r) => r.body)).toEqual(['first']);
    await archiveTicket(deps, admin, { ticket: t.identifier });
    expect((await listTickets(deps.db, admin.orgId, { project: 'talk' })).items).toHaveLength(0);
    expect((await listTickets(deps.db, admin.orgId, { project: 'talk', includeArchived: true })).items).toHaveLength(1);
  });

  it('a card still shows its last run failed after Retry starts the attempts over', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Cards' });
    const t = await createTicket(deps, admin, { project: 'cards', title: 'x', status: 'Todo' });
    const card = async () => (await listTickets(deps.db, admin.orgId, { project: 'cards' })).items[0]!;
    expect((await card()).lastRunState).toBeNull();
    await insertRun(deps, admin, { projectId: project.id, ticketId: t.id, state: 'failed' });
    await deps.db.update(tickets).set({ attemptCount: 1, parkedReason: 'failed once' }).where(eq(tickets.id, t.id));
    expect(await card()).toMatchObject({ attemptCount: 1, lastRunState: 'failed' });
    await retryTicket(deps, admin, { ticket: t.identifier });
    expect(await card()).toMatchObject({ attemptCount: 0, lastRunState: 'failed' });
  });

  it('refuses a viewer and a non-git URL', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Perms' });
    await expectCode(createTicket(deps, { ...admin, role: 'viewer' }, { project: 'perms', title: 'x' }), 'FORBIDDEN');
    await expectCode(addRepository(deps, admin, { project: 'perms', url: '--upload-pack=evil' }), 'BAD_REQUEST');
    const repo = await addRepository(deps, admin, { project: 'perms', url: 'file:///srv/git/app.git' });
    expect(repo.name).toBe('app');
  });
});
