import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { acceptInvitation, createInvitation } from '../auth/invitations.js';
import { userActor } from '../auth/permissions.js';
import { inTransaction } from '../kernel/transaction.js';
import { listActivity } from '../activity/activity.js';
import { createProject } from '../projects/projects.js';
import { createTicket, listTickets, updateTicket } from './tickets.js';
import { bulkDeleteTickets, bulkUpdateTickets } from './bulk.js';
import { deleteView, listViews, saveView } from './views.js';

forEachDatabase('bulk actions and saved views', (get) => {
  it('moves and reprioritizes a batch in one transaction, all or none, and deletes all or none', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Demo' });
    for (const title of ['a', 'b', 'c']) await createTicket(deps, admin, { project: 'demo', title });
    await updateTicket(deps, admin, { ticket: 'DEMO-3', parent: 'DEMO-2' });
    const now = async () =>
      (await listTickets(deps.db, admin.orgId, { project: 'demo' })).items
        .map((t) => `${t.identifier}:${t.statusName}:${t.priority}`)
        .sort();

    const done = await bulkUpdateTickets(deps, admin, {
      project: 'demo',
      items: [
        { ticket: 'DEMO-1', status: 'done', priority: 'high' },
        { ticket: 'DEMO-2', priority: 'low' },
      ],
    });
    expect(done.updated).toEqual([
      { identifier: 'DEMO-1', status: 'Done', priority: 'high' },
      { identifier: 'DEMO-2', status: 'Backlog', priority: 'low' },
    ]);
    const actions = (await listActivity(deps.db, { projectId: project.id })).map((e) => e.summary);
    expect(actions.slice(-3)).toEqual([
      'moved DEMO-1 from Backlog to Done',
      'updated DEMO-1: priority',
      'updated DEMO-2: priority',
    ]);
    // A status that does not exist: nothing changes, not even the tickets before it.
    await expect(
      bulkUpdateTickets(deps, admin, {
        project: 'demo',
        items: [
          { ticket: 'DEMO-2', status: 'Todo' },
          { ticket: 'DEMO-3', status: 'Nowhere' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/status "Nowhere" does not exist/) });
    expect(await now()).toEqual(['DEMO-1:Done:high', 'DEMO-2:Backlog:low', 'DEMO-3:Backlog:none']);

    await expect(
      bulkDeleteTickets(deps, admin, { project: 'demo', tickets: ['DEMO-1', 'DEMO-2'] }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'DEMO-2 has sub-tickets that were not picked (DEMO-3); pick them too, or delete them first',
    });
    expect(await now()).toHaveLength(3);
    await createProject(deps, admin, { name: 'Other' });
    await createTicket(deps, admin, { project: 'other', title: 'x' });
    await expect(
      bulkDeleteTickets(deps, admin, { project: 'demo', tickets: ['DEMO-1', 'OTHER-1'] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'OTHER-1 belongs to another project than demo' });
    expect(await bulkDeleteTickets(deps, admin, { project: 'demo', tickets: ['DEMO-3', 'DEMO-2', 'DEMO-1'] })).toEqual({
      deleted: ['DEMO-3', 'DEMO-2', 'DEMO-1'],
    });
    expect(await now()).toEqual([]);
  });

  it("keeps each person's views of a project to themselves", async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Views' });
    const inv = await createInvitation(deps, admin, { role: 'viewer' });
    const user = await inTransaction(deps, (tx, changes) =>
      acceptInvitation(tx, deps, changes, { code: inv.code, name: 'Vera', email: 'vera@example.com' }),
    );
    const vera = userActor(user, admin.orgId, 'viewer');
    await saveView(deps, admin, { project: 'views', name: 'Urgent', query: { priority: 'urgent' } });
    await saveView(deps, admin, {
      project: 'views',
      name: 'Urgent',
      query: { priority: 'urgent', view: 'list', q: '' },
    });
    await saveView(deps, vera, { project: 'views', name: 'Mine', query: { label: 'ui' } });
    expect((await listViews(deps.db, admin, 'views')).map((v) => [v.name, v.query])).toEqual([
      ['Urgent', { priority: 'urgent', view: 'list' }],
    ]);
    expect((await listViews(deps.db, vera, 'views')).map((v) => v.name)).toEqual(['Mine']);
    await expect(deleteView(deps, vera, { project: 'views', name: 'Urgent' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await deleteView(deps, admin, { project: 'views', name: 'Urgent' });
    expect(await listViews(deps.db, admin, 'views')).toEqual([]);
  });
});
