import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { inTransaction } from '../kernel/transaction.js';
import type { Actor } from '../kernel/context.js';
import { createProject } from '../projects/projects.js';
import { createAgent } from '../agents/agents.js';
import { createFromTemplate } from '../workflows/templates.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { createInvitation, acceptInvitation } from '../auth/invitations.js';
import { submitReview } from '../review/reviews.js';
import { listInbox } from './inbox.js';
import { Notifier } from './notifier.js';

// A review's summary and line comments are ticket comments: the walkthrough's ticket creator heard that it moved
// back to In Progress, never what the reviewer asked for.
forEachDatabase('review notifications', (get) => {
  let notifier: Notifier;
  beforeAll(() => {
    notifier = new Notifier(get().deps, { publicUrl: 'http://cp.test', policy: { retryBaseMs: 50 }, pollMs: 50 });
    notifier.start();
  });
  afterAll(() => notifier.stop());

  it("tells the ticket's creator what a review said, with its first words", async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Rev', ticketPrefix: 'REV' });
    await createAgent(deps, admin, { project: 'rev', name: 'a', adapter: 'claude-code' });
    await createFromTemplate(deps, admin, { project: 'rev', template: 'full-stack' });
    const inv = await createInvitation(deps, admin, { role: 'member' });
    const user = await inTransaction(deps, (tx, changes) =>
      acceptInvitation(tx, deps, changes, { code: inv.code, name: 'Mia', email: 'mia@example.com' }),
    );
    const mia: Actor = { type: 'user', id: user.id, name: 'Mia', orgId: admin.orgId, userId: user.id, role: 'member' };
    const t = await createTicket(deps, mia, { project: 'rev', title: 'Greet' });
    await moveTicket(deps, mia, { ticket: t.identifier, status: 'In Review' });
    await notifier.idle();

    await submitReview(deps, admin, {
      ticket: t.identifier,
      verdict: 'request_changes',
      body: 'Say it twice.',
      comments: [{ anchor: { path: 'greet.js', line: 1 }, body: 'louder' }],
    });
    await moveTicket(deps, mia, { ticket: t.identifier, status: 'In Review' });
    await submitReview(deps, admin, { ticket: t.identifier, verdict: 'approve' }); // no words: its move says it
    await notifier.idle();
    const inbox = await listInbox(deps.db, mia, { unreadOnly: false, limit: 10 });
    const reviews = inbox.items.filter((i) => i.event === 'ticket.commented');
    expect(reviews.map((i) => [i.title, i.body])).toEqual([
      [
        `admin requested changes on ${t.identifier}`,
        `Greet\nrequested changes on ${t.identifier} (review round 1, 2 comments)\n“Say it twice.”`,
      ],
    ]);
    expect(inbox.items.map((i) => i.title)).toContain(`${t.identifier} entered Merging`);
  });
});
