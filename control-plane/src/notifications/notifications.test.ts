import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WEBHOOK_HEADERS } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { bodyServer } from '@openase/test-kit/loopback-http';
import { waitFor } from '@openase/test-kit/wait';
import { inTransaction } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor } from '../kernel/context.js';
import { createProject } from '../projects/projects.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { addComment } from '../tickets/comments.js';
import { createInvitation, acceptInvitation } from '../auth/invitations.js';
import { listAudit } from '../activity/audit.js';
import { createChannel, createRule, listDeliveries, listRules, testChannel, updateRule } from './channels.js';
import { signature } from './delivery.js';
import { listInbox, markRead, setSubscriptions, setWatching } from './inbox.js';
import { Notifier } from './notifier.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback receiver that answers with the next status of `script` (then 200) and keeps what it got. */
function receiver() {
  const got: Received[] = [];
  const script: number[] = [];
  const server = bodyServer((req, body, res) => {
    got.push({ headers: req.headers, body });
    res.statusCode = script.shift() ?? 200;
    res.end();
  });
  return {
    got,
    script,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    listen: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

forEachDatabase('notifications', (get) => {
  const hook = receiver();
  const slack = receiver();
  let notifier: Notifier;
  beforeAll(async () => {
    await Promise.all([hook.listen(), slack.listen()]);
    notifier = new Notifier(get().deps, { publicUrl: 'http://cp.test', policy: { retryBaseMs: 50 }, pollMs: 50 });
    notifier.start();
  });
  afterAll(async () => {
    await notifier.stop();
    await Promise.all([hook.close(), slack.close()]);
  });

  it('signs a webhook when a ticket enters In Review, and formats Slack messages', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Notify Demo' });
    const { channel, secret } = await createChannel(deps, admin, { name: 'ci-hook', kind: 'webhook', url: hook.url() });
    expect(secret).toMatch(/^whsec_/);
    expect(channel).toMatchObject({ signed: true, urlHint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…$/) });
    await createChannel(deps, admin, { name: 'team-slack', kind: 'slack', url: slack.url() });
    for (const channelName of ['ci-hook', 'team-slack'])
      await createRule(deps, admin, {
        project: project.slug,
        channel: channelName,
        event: 'ticket.entered_status',
        filter: { statuses: ['In Review'] },
      });
    const ticket = await createTicket(deps, admin, { project: project.slug, title: 'Ship <it>' });
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'In Progress' });
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'In Review' });
    await waitFor('the webhook and the Slack message', () => hook.got.length > 0 && slack.got.length > 0);
    const got = hook.got[0]!;
    const ts = got.headers[WEBHOOK_HEADERS.timestamp] as string;
    expect(got.headers[WEBHOOK_HEADERS.signature]).toBe(signature(secret!, Number(ts), got.body));
    expect(got.headers[WEBHOOK_HEADERS.event]).toBe('ticket.entered_status');
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({
      event: 'ticket.entered_status',
      title: `${ticket.identifier} entered In Review`,
      ticket: { identifier: ticket.identifier, status: 'In Review' },
      url: `http://cp.test/p/${project.slug}/board/${ticket.identifier}`,
    });
    const message = JSON.parse(slack.got[0]!.body);
    expect(message.text).toBe(`${ticket.identifier} entered In Review`);
    expect(message.blocks[0].text.text).toContain(`|${ticket.identifier} entered In Review>*`);
    expect(message.blocks[0].text.text).toContain('Ship &lt;it&gt;');
    await notifier.idle();
    expect(hook.got).toHaveLength(1); // In Progress did not match the filter
  });

  it('retries with backoff: 500, 500, then 200 on the third try, all in the delivery log', async () => {
    const { deps, admin } = get();
    hook.got.length = 0;
    hook.script.push(500, 500);
    const ticket = await createTicket(deps, admin, { project: 'notify-demo', title: 'Flaky receiver' });
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'In Review' });
    const delivered = async () =>
      (await listDeliveries(deps.db, admin, { channel: 'ci-hook', limit: 10 })).find(
        (d) => d.state === 'delivered' && d.title.startsWith(ticket.identifier),
      );
    await waitFor('delivery on the third try', async () => !!(await delivered()), 20_000);
    const log = (await delivered())!;
    expect(log.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(hook.got).toHaveLength(3);
    expect(new Set(hook.got.map((g) => g.headers[WEBHOOK_HEADERS.delivery])).size).toBe(1);
    const test = await testChannel(deps, admin, 'ci-hook');
    expect(test).toMatchObject({ ok: true, status: 200 });
  });

  it('notifies when an agent waits for a person: a tool call to approve, a question to answer', async () => {
    const { deps, admin } = get();
    hook.got.length = 0;
    for (const event of ['ticket.needs_approval', 'ticket.waiting_for_input'] as const)
      await createRule(deps, admin, { project: 'notify-demo', channel: 'ci-hook', event });
    const ticket = await createTicket(deps, admin, { project: 'notify-demo', title: 'Push it' });
    // What the orchestrator (approvals.ts) and `openase ticket ask` (questions.ts) record.
    for (const [action, summary] of [
      ['run.approval_requested', `${ticket.identifier} needs approval: Bash git push (tools.ask "Bash(git push*)")`],
      ['ticket.question', `${ticket.identifier} is waiting for input: Which database?`],
    ] as const)
      await inTransaction(deps, (tx, changes) =>
        recordActivity(tx, deps, changes, admin, {
          projectId: ticket.projectId,
          ticketId: ticket.id,
          action,
          entityType: 'ticket',
          entityId: ticket.id,
          summary,
          after: {},
        }),
      );
    await waitFor('the approval and question notifications', () => hook.got.length >= 2);
    const bodies = hook.got.map((g) => JSON.parse(g.body) as { event: string; title: string; text: string });
    expect(bodies.map((b) => [b.event, b.title])).toEqual([
      ['ticket.needs_approval', `${ticket.identifier} needs approval`],
      ['ticket.waiting_for_input', `${ticket.identifier} is waiting for input`],
    ]);
    expect(bodies[1]!.text).toContain('Which database?');
  });

  it("fills the inbox of a ticket's creator and watchers, as their subscriptions allow", async () => {
    const { deps, admin } = get();
    const inv = await createInvitation(deps, admin, { role: 'member' });
    const user = await inTransaction(deps, (tx, changes) =>
      acceptInvitation(tx, deps, changes, { code: inv.code, name: 'Mia', email: 'mia@example.com' }),
    );
    const mia: Actor = { type: 'user', id: user.id, name: 'Mia', orgId: admin.orgId, userId: user.id, role: 'member' };
    const ticket = await createTicket(deps, mia, { project: 'notify-demo', title: 'Mine' });
    const other = await createTicket(deps, admin, { project: 'notify-demo', title: 'Watched' });
    await setWatching(deps, mia, other.identifier, true);
    await notifier.idle();
    await moveTicket(deps, mia, { ticket: ticket.identifier, status: 'Todo' }); // her own move: not notified
    await addComment(deps, admin, { ticket: ticket.identifier, body: 'looks good' });
    await moveTicket(deps, admin, { ticket: other.identifier, status: 'In Progress' });
    await notifier.idle();
    const inbox = await listInbox(deps.db, mia, { unreadOnly: false, limit: 10 });
    expect(inbox.items.map((i) => i.title).sort()).toEqual(
      [`admin commented on ${ticket.identifier}`, `${other.identifier} entered In Progress`].sort(),
    );
    expect(inbox.unread).toBe(2);
    // A comment's entry quotes it (kept with the entry when it was made, not looked up per row).
    expect(inbox.items.find((i) => i.event === 'ticket.commented')!.body).toBe(
      `Mine\ncommented on ${ticket.identifier}\n“looks good”`,
    );
    expect((await markRead(deps, mia, [inbox.items[0]!.id])).unread).toBe(1);
    await setSubscriptions(deps, mia, { ticketsCreated: false, ticketsWatched: true, projectAi: true });
    await addComment(deps, admin, { ticket: ticket.identifier, body: 'again' });
    await notifier.idle();
    expect((await listInbox(deps.db, mia, { unreadOnly: true, limit: 10 })).unread).toBe(1);
  });

  it('keeps channel and rule changes in the audit trail; a disabled rule sends nothing', async () => {
    const { deps, admin } = get();
    for (const rule of await listRules(deps.db, admin, 'notify-demo'))
      await updateRule(deps, admin, { id: rule.id, enabled: false });
    hook.got.length = 0;
    const ticket = await createTicket(deps, admin, { project: 'notify-demo', title: 'Quiet' });
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'In Review' });
    await notifier.idle();
    expect(hook.got).toHaveLength(0);
    const { entries } = await listAudit(deps.db, admin, { kinds: ['settings'] });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'notification.channel_created',
        'notification.rule_created',
        'notification.rule_updated',
      ]),
    );
  });
});
