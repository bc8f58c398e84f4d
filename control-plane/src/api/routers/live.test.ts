import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { appRouter } from '../router.js';
import { createInvitation, acceptInvitation } from '../../auth/invitations.js';
import { setMemberActive } from '../../auth/members.js';
import { createProject } from '../../projects/projects.js';
import { createTicket } from '../../tickets/tickets.js';
import { inTransaction } from '../../kernel/transaction.js';
import type { Actor } from '../../kernel/context.js';

forEachDatabase('live.changes', (get) => {
  it("keeps people's organization-level changes (deactivations, roles) to admins, like the audit trail", async () => {
    const { deps, admin } = get();
    const inv = await createInvitation(deps, admin, { email: 'vic@example.com', role: 'viewer' });
    const vic = await inTransaction(deps, (tx, changes) =>
      acceptInvitation(tx, deps, changes, { code: inv.code, name: 'Vic' }),
    );
    const viewer: Actor = { type: 'user', id: vic.id, name: 'Vic', orgId: admin.orgId, userId: vic.id, role: 'viewer' };
    /** The actions `actor`'s stream shows until the ticket is created; `ready` once the stream is open. */
    const watch = (actor: Actor) => {
      let opened!: () => void;
      const ready = new Promise<void>((resolve) => (opened = resolve));
      const actions = (async () => {
        const stream = await appRouter.createCaller({ deps, actor }).live.changes(undefined);
        const seen: string[] = [];
        for await (const item of stream as AsyncIterable<unknown>) {
          // A tracked event: [id, data]. The stream starts at the end of the log, with "ready".
          const event = (item as [string, { kind: string; change?: { action: string } }])[1];
          if (event.kind === 'ready') opened();
          if (event.kind === 'change') seen.push(event.change!.action);
          if (seen.includes('ticket.created')) break;
        }
        return seen;
      })();
      return { ready, actions };
    };
    const admins = watch(admin);
    const viewers = watch(viewer);
    await Promise.all([admins.ready, viewers.ready]);
    const dan = await createInvitation(deps, admin, { email: 'dan@example.com', role: 'member' });
    await inTransaction(deps, (tx, changes) => acceptInvitation(tx, deps, changes, { code: dan.code, name: 'Dan' }));
    await setMemberActive(deps, admin, 'dan@example.com', false);
    const project = await createProject(deps, admin, { name: 'Live Roles', ticketPrefix: 'LR' });
    await createTicket(deps, admin, { project: project.slug, title: 'seen by all' });

    expect(await admins.actions).toContain('member.deactivated');
    const seen = await viewers.actions;
    expect(seen).toContain('ticket.created');
    expect(seen.filter((a) => a.startsWith('member.'))).toEqual([]);
  });
});
