/**
 * Deleting tickets, repositories, machines and projects (tickets/delete.ts, projects/delete.ts,
 * fleet/machine-delete.ts), on both database backends: each refusal names what blocks it, each deletion
 * records its activity entry, asks for the removal of the workspaces its runs left, and leaves nothing behind.
 */
import { expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { forEachDatabase, type TestDb } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { insertMachine, insertRun } from '../../test/agent-project.js';
import { activity, comments, machines, projects, repositories, runs, statuses, tickets } from '../db/schema.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { deleteTicket } from '../tickets/delete.js';
import { addComment } from '../tickets/comments.js';
import { linkTickets } from '../tickets/dependencies.js';
import { revokeMachine } from '../fleet/join.js';
import { deleteMachine } from '../fleet/machine-delete.js';
import { createAgent } from '../agents/agents.js';
import { createFromTemplate } from '../workflows/templates.js';
import { createProject } from './projects.js';
import { addRepository } from './repositories.js';
import { deleteProject, deleteRepository } from './delete.js';
import type { MachineCommand } from '../kernel/transaction.js';

let n = 0;

/** A project with a repository, a connected machine and a ticket; `addRun` gives a ticket a run on the machine. */
async function setup({ deps, admin }: TestDb) {
  const slug = `del${++n}`;
  const project = await createProject(deps, admin, { name: slug, ticketPrefix: `DEL${n}X` });
  await addRepository(deps, admin, { project: slug, url: 'https://example.com/app.git' });
  const machineId = await insertMachine(deps, admin, { name: `m-${slug}`, labels: [] });
  const ticket = await createTicket(deps, admin, { project: slug, title: 'Add login', status: 'Todo' });
  const addRun = (ticketId: string, identifier: string, state: 'running' | 'failed') =>
    insertRun(deps, admin, {
      projectId: project.id,
      ticketId,
      machineId,
      spec: { ticket: { identifier }, repos: [{ name: 'app', url: 'https://example.com/app.git' }] },
      state,
    });
  return { slug, project, machineId, ticket, addRun };
}

async function entries(db: TestDb['deps']['db'], action: string, entityId: string) {
  return db
    .select()
    .from(activity)
    .where(and(eq(activity.action, action), eq(activity.entityId, entityId)));
}

forEachDatabase('deleting tickets, repositories, machines and projects', (get) => {
  it('deletes a ticket with its comments, runs and links, and asks its machine to remove the workspace', async () => {
    const db = get();
    const { deps, admin } = db;
    const { slug, ticket, machineId, addRun } = await setup(db);
    const other = await createTicket(deps, admin, { project: slug, title: 'Other' });
    await linkTickets(deps, admin, { blocker: ticket.identifier, blocked: other.identifier });
    await addComment(deps, admin, { ticket: ticket.identifier, body: 'first try failed' });
    const run = await addRun(ticket.id, ticket.identifier, 'running');
    await expectCode(
      deleteTicket(deps, admin, { ticket: ticket.identifier }),
      'CONFLICT',
      new RegExp(
        `^${ticket.identifier} cannot be deleted while an agent works on it: ticket ${ticket.identifier} has a run in progress; cancel it first`,
      ),
    );
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.id, run));
    const commands: MachineCommand[] = [];
    const off = deps.bus.onCommands((cs) => commands.push(...cs));
    expect(await deleteTicket(deps, admin, { ticket: ticket.identifier.toLowerCase() })).toEqual({
      deleted: [ticket.identifier],
    });
    off();
    expect(await deps.db.select().from(tickets).where(eq(tickets.id, ticket.id))).toEqual([]);
    expect(await deps.db.select().from(runs).where(eq(runs.id, run))).toEqual([]);
    expect(await deps.db.select().from(comments).where(eq(comments.ticketId, ticket.id))).toEqual([]);
    const [deleted] = await entries(deps.db, 'ticket.deleted', ticket.id);
    expect(deleted).toMatchObject({
      summary: `deleted ${ticket.identifier} "Add login"`,
      before: { identifier: ticket.identifier, title: 'Add login', status: 'Todo' },
    });
    const [removal] = await entries(deps.db, 'workspace.remove_requested', ticket.id);
    // The log records the request; the frame goes to the machine as a command, not through the log.
    expect(removal!.after).toEqual({ machineId });
    expect(commands).toMatchObject([
      {
        machineId,
        frame: { type: 'workspace.remove', ticket: { identifier: ticket.identifier }, repos: [{ name: 'app' }] },
      },
    ]);
    // The other ticket stays, no longer blocked.
    await moveTicket(deps, admin, { ticket: other.identifier, status: 'Todo' });
    await expectCode(deleteTicket(deps, admin, { ticket: ticket.identifier }), 'NOT_FOUND');
  });

  it('refuses a ticket with sub-tickets unless they go with it, and then deletes the whole family', async () => {
    const db = get();
    const { deps, admin } = db;
    const { slug, ticket, addRun } = await setup(db);
    const child = await createTicket(deps, admin, { project: slug, title: 'Child', parent: ticket.identifier });
    const grandchild = await createTicket(deps, admin, {
      project: slug,
      title: 'Grandchild',
      parent: child.identifier,
    });
    await expectCode(
      deleteTicket(deps, admin, { ticket: ticket.identifier }),
      'CONFLICT',
      new RegExp(`has sub-tickets \\(${child.identifier}, ${grandchild.identifier}\\); delete them first`),
    );
    // A run in progress on a descendant blocks the whole family.
    const run = await addRun(grandchild.id, grandchild.identifier, 'running');
    await expectCode(
      deleteTicket(deps, admin, { ticket: ticket.identifier, withChildren: true }),
      'CONFLICT',
      new RegExp(`ticket ${grandchild.identifier} has a run in progress`),
    );
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.id, run));
    const result = await deleteTicket(deps, admin, { ticket: ticket.identifier, withChildren: true });
    expect(result.deleted).toEqual([ticket.identifier, child.identifier, grandchild.identifier]);
    const ids = [ticket.id, child.id, grandchild.id];
    expect(await deps.db.select().from(tickets).where(inArray(tickets.id, ids))).toEqual([]);
    const [childEntry] = await entries(deps.db, 'ticket.deleted', child.id);
    expect(childEntry!.summary).toBe(`deleted ${child.identifier} "Child" (deleted with ${ticket.identifier})`);
  });

  it('deletes a repository unless a run in progress has it in its workspace', async () => {
    const db = get();
    const { deps, admin } = db;
    const { slug, project, ticket, addRun } = await setup(db);
    await expectCode(
      deleteRepository(deps, admin, { project: slug, repository: 'nope' }),
      'NOT_FOUND',
      new RegExp(`project ${slug} has no repository named "nope"; its repositories: app$`),
    );
    const run = await addRun(ticket.id, ticket.identifier, 'running');
    await expectCode(
      deleteRepository(deps, admin, { project: slug, repository: 'app' }),
      'CONFLICT',
      new RegExp(`^repository app cannot be deleted while agents work in it: ticket ${ticket.identifier} has a run`),
    );
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.id, run));
    expect(await deleteRepository(deps, admin, { project: slug, repository: 'app' })).toEqual({ deleted: 'app' });
    expect(await deps.db.select().from(repositories).where(eq(repositories.projectId, project.id))).toEqual([]);
    const [entry] = await deps.db
      .select()
      .from(activity)
      .where(and(eq(activity.action, 'repository.deleted'), eq(activity.projectId, project.id)));
    expect(entry!.summary).toBe('deleted repository app (https://example.com/app.git)');
  });

  it('deletes a machine only once it is revoked or disconnected and runs nothing; its past runs stay', async () => {
    const db = get();
    const { deps, admin } = db;
    const { slug, ticket, machineId, addRun } = await setup(db);
    const name = `m-${slug}`;
    await expectCode(deleteMachine(deps, admin, 'local'), 'NOT_FOUND');
    const run = await addRun(ticket.id, ticket.identifier, 'running');
    await expectCode(
      deleteMachine(deps, admin, name),
      'CONFLICT',
      new RegExp(
        `^machine "${name}" cannot be deleted while it runs work: ticket ${ticket.identifier} has a run in progress on it; revoke the machine first`,
      ),
    );
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.id, run));
    await expectCode(deleteMachine(deps, admin, name), 'CONFLICT', /is connected; revoke it first/);
    await revokeMachine(deps, admin, name);
    expect(await deleteMachine(deps, admin, name)).toEqual({ deleted: name });
    expect(await deps.db.select().from(machines).where(eq(machines.id, machineId))).toEqual([]);
    const [past] = await deps.db.select().from(runs).where(eq(runs.id, run));
    expect(past).toMatchObject({ state: 'failed', machineId: null });
    const [entry] = await entries(deps.db, 'machine.deleted', machineId);
    expect(entry).toMatchObject({ projectId: null, summary: `deleted machine ${name} (reverse)` });
  });

  it('refuses the server’s own machine', async () => {
    const { deps, admin } = get();
    await deps.db.insert(machines).values({
      id: deps.ids.uuid(),
      orgId: admin.orgId,
      name: 'local',
      kind: 'local',
      labels: [],
      createdAt: new Date(),
    });
    await expectCode(deleteMachine(deps, admin, 'local'), 'BAD_REQUEST', /the server's own machine/);
  });

  it('deletes a project with everything in it, only with its short name typed and no run in progress', async () => {
    const db = get();
    const { deps, admin } = db;
    const { slug, project, ticket, machineId, addRun } = await setup(db);
    await createAgent(deps, admin, { project: slug, name: 'coder', adapter: 'claude-code' });
    await createFromTemplate(deps, admin, { project: slug, template: 'full-stack', agent: 'coder' });
    const child = await createTicket(deps, admin, { project: slug, title: 'Child', parent: ticket.identifier });
    await expectCode(
      deleteProject(deps, admin, { project: slug, confirm: 'yes' }),
      'BAD_REQUEST',
      new RegExp(`needs its short name "${slug}" typed to confirm`),
    );
    const run = await addRun(child.id, child.identifier, 'running');
    await expectCode(
      deleteProject(deps, admin, { project: slug, confirm: slug }),
      'CONFLICT',
      new RegExp(`^project ${slug} cannot be deleted while agents work in it: ticket ${child.identifier} has a run`),
    );
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.id, run));
    const commands: MachineCommand[] = [];
    const off = deps.bus.onCommands((cs) => commands.push(...cs));
    expect(await deleteProject(deps, admin, { project: slug, confirm: slug })).toEqual({ deleted: slug, tickets: 2 });
    off();
    // The machine that worked on the child is told to remove its workspace (a command, not only a log entry).
    expect(commands).toMatchObject([
      { machineId, frame: { type: 'workspace.remove', ticket: { identifier: child.identifier } } },
    ]);
    expect(await deps.db.select().from(projects).where(eq(projects.id, project.id))).toEqual([]);
    for (const table of [tickets, statuses, repositories] as const)
      expect(await deps.db.select().from(table).where(eq(table.projectId, project.id))).toEqual([]);
    expect(await deps.db.select().from(runs).where(eq(runs.projectId, project.id))).toEqual([]);
    const [removal] = await entries(deps.db, 'workspace.remove_requested', child.id);
    expect(removal!.after).toEqual({ machineId });
    const [entry] = await entries(deps.db, 'project.deleted', project.id);
    expect(entry).toMatchObject({ projectId: null, summary: `deleted project ${slug} (${slug}) and its 2 ticket(s)` });
    await expectCode(deleteProject(deps, admin, { project: slug, confirm: slug }), 'NOT_FOUND');
  });
});
