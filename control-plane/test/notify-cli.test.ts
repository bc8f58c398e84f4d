/**
 * The notify and inbox commands through the real CLI against a real server process: a webhook channel whose secret
 * is shown once, a test send to a receiver on loopback (signed) and one to a receiver that fails, the delivery log,
 * a project's rules (an event named wrong is a usage error listing the events) and a rule's delivery on a move, the
 * inbox of a ticket's creator that another member's comment reaches, subscriptions, and watching a ticket.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyServer } from '@openase/test-kit/loopback-http';
import { bundle } from '@openase/test-kit/server-process';
import { waitFor } from '@openase/test-kit/wait';
import { useCliServer } from './cli-server.js';

const instance = useCliServer('notify', 'Demo');
/** The CLI as the server's first person (the owner), or as another person with their own credentials (`home`). */
const cli = (args: string[], home?: string) => instance.server.cli(args, home ? { env: { OPENASE_HOME: home } } : {});

/**
 * The CLI without blocking this process: a test send waits for the receiver's answer, and the receiver runs here
 * (`cli` is synchronous, so it could not answer until the send had timed out).
 */
function cliAsync(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, OPENASE_HOME: instance.server.home, OPENASE_URL: '', OPENASE_TOKEN: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args], { env, encoding: 'utf8' }, (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let receiver: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  receiver = bodyServer((req, body, res) => {
    received.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(req.url === '/broken' ? 500 : 200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve())));

const lineWith = (text: string, word: string) => text.split('\n').find((line) => line.includes(word)) ?? '';

describe('openase notify and inbox against a running server', () => {
  it('has --help on every command', () => {
    const commands = {
      notify: [
        'channels',
        'channel-add',
        'channel-update',
        'channel-enable',
        'channel-disable',
        'channel-remove',
        'channel-test',
        'deliveries',
        'rules',
        'rule-add',
        'rule-enable',
        'rule-disable',
        'rule-remove',
      ],
      inbox: ['list', 'read', 'subscriptions', 'subscribe', 'unsubscribe'],
      ticket: ['watch', 'unwatch', 'watching'],
    };
    for (const [group, names] of Object.entries(commands))
      for (const name of names) {
        const help = cli([group, name, '--help']);
        expect(help.code, `${group} ${name}`).toBe(0);
        expect(help.out).toMatch(new RegExp(`Usage: openase ${group} ${name}`));
      }
    // The events with the words a person reads.
    expect(cli(['notify', 'rule-add', '--help']).out).toMatch(/ticket\.entered_status +A ticket entered a status/);
  });

  it('says in words when nothing is there yet', () => {
    expect(cli(['inbox', 'list']).out).toMatch(/^Your inbox is empty: tickets you create or watch/);
    expect(cli(['notify', 'channels']).out).toMatch(/no notification channels; add one with/);
    expect(cli(['notify', 'deliveries']).out).toMatch(/nothing sent yet/);
    expect(cli(['notify', 'rules', '--project', 'demo']).out).toMatch(/no rules in demo: nothing is sent/);
  });

  it('adds a webhook channel with its secret shown once; a test send is signed and in the delivery log', async () => {
    const added = cli(['notify', 'channel-add', 'hook', '--kind', 'webhook', '--url', `${receiverUrl}/hook`]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^added the webhook channel hook \(http:\/\/127\.0\.0\.1:\d+\/…\)/);
    expect(added.out).toMatch(/signing secret is shown only now/);
    const secret = /(whsec_\S+)/.exec(added.out)![1]!;
    const listed = cli(['notify', 'channels']);
    expect(lineWith(listed.out, 'hook')).toMatch(/^hook +webhook, signed +http:\/\/127\.0\.0\.1:\d+\/… +on$/);
    expect(listed.out + cli(['notify', 'channels', '--json']).out).not.toContain(secret);

    const sent = await cliAsync(['notify', 'channel-test', 'hook']);
    expect(sent.code, sent.err).toBe(0);
    expect(sent.out).toMatch(/^sent a test message to hook: delivered \(HTTP 200 in \d+ ms\)/);
    const test = received.find((r) => r.url === '/hook' && r.headers['x-openase-event'] === 'test')!;
    const timestamp = test.headers['x-openase-timestamp'];
    const expected = createHmac('sha256', secret).update(`${timestamp}.${test.body}`).digest('hex');
    expect(test.headers['x-openase-signature']).toBe(`v1=${expected}`);
    const log = lineWith(cli(['notify', 'deliveries']).out, 'hook');
    expect(log).toMatch(/hook +Test message +Test notification from OpenASE +delivered +200$/);

    // A receiver that fails: exit code 1, the answer, and the log says it gave up (a test send is tried once).
    cli(['notify', 'channel-add', 'broken', '--kind', 'webhook', '--url', `${receiverUrl}/broken`]);
    const failed = await cliAsync(['notify', 'channel-test', 'broken']);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/the test message to broken was not delivered: HTTP 500 in \d+ ms$/m);
    expect(cli(['notify', 'deliveries', '--channel', 'broken']).out).toMatch(/gave up +500$/m);
    expect(cli(['notify', 'channel-remove', 'broken']).out).toMatch(/^removed channel broken and its rules/);

    expect(cli(['notify', 'channel-disable', 'hook']).out).toMatch(/^channel hook is off: nothing is sent to it/);
    expect(lineWith(cli(['notify', 'channels']).out, 'hook')).toMatch(/ off$/);
    expect(cli(['notify', 'channel-enable', 'hook']).out).toMatch(/^channel hook is on/);
    const renamed = cli(['notify', 'channel-update', 'hook', '--name', 'ci-hook']);
    expect(renamed.out).toMatch(/^channel ci-hook sends to http:\/\/127\.0\.0\.1:\d+\/…/);

    const noChange = cli(['notify', 'channel-update', 'ci-hook']);
    expect([noChange.code, noChange.err]).toEqual([2, expect.stringMatching(/give --name or --url/)]);
    const badKind = cli(['notify', 'channel-add', 'mail', '--kind', 'email', '--url', receiverUrl]);
    expect([badKind.code, badKind.err]).toEqual([2, expect.stringMatching(/--kind must be webhook or slack/)]);
  });

  it('adds a rule shown in words, sends on a move, turns it off and removes it; a wrong event lists the events', async () => {
    const rule = (...more: string[]) =>
      cli(['notify', 'rule-add', '--project', 'demo', '--channel', 'ci-hook', ...more]);
    const wrong = rule('--event', 'ticket.moved');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(
      /^openase notify rule-add: unknown event "ticket\.moved"; events are ticket\.entered_status, ticket\.commented, run\.failed, .*project_ai\.waiting \(see `openase notify rule-add --help`\)/,
    );
    expect(rule('--event', 'run.failed', '--priorities', 'huge').err).toMatch(/unknown priority "huge"/);

    // A misspelt status would make a rule that never fires.
    const misspelt = rule('--event', 'ticket.entered_status', '--statuses', 'In Reveiw');
    expect([misspelt.code, misspelt.err]).toEqual([
      1,
      expect.stringMatching(/status "In Reveiw" does not exist in this project; known statuses: Backlog, Todo/),
    ]);
    const added = rule('--event', 'ticket.entered_status', '--statuses', 'in review');
    expect(added.code, added.err).toBe(0);
    const [, id] = /^added rule (\S+): "A ticket entered a status" \(status In Review\) → channel ci-hook/.exec(
      added.out,
    )!;
    const rules = cli(['notify', 'rules', '--project', 'demo']).out;
    expect(lineWith(rules, id!)).toMatch(/A ticket entered a status +status In Review +ci-hook +on$/);
    expect(rules).not.toContain('ticket.entered_status');

    expect(cli(['ticket', 'create', '--project', 'demo', '--title', 'Add login']).code).toBe(0);
    expect(cli(['ticket', 'move', 'DEMO-1', 'In Review']).code).toBe(0);
    const delivered = await waitFor('the rule to send the move', () =>
      received.find((r) => r.headers['x-openase-event'] === 'ticket.entered_status'),
    );
    expect(JSON.parse(delivered.body)).toMatchObject({
      event: 'ticket.entered_status',
      title: 'DEMO-1 entered In Review',
      ticket: { identifier: 'DEMO-1', status: 'In Review' },
    });

    expect(cli(['notify', 'rule-disable', id!]).out).toBe(`rule ${id} is off\n`);
    expect(lineWith(cli(['notify', 'rules', '--project', 'demo']).out, id!)).toMatch(/ off$/);
    const notAnId = cli(['notify', 'rule-enable', 'nope']);
    expect([notAnId.code, notAnId.err]).toEqual([2, expect.stringMatching(/"nope" is not a rule id/)]);
    expect(cli(['notify', 'rule-remove', id!]).out).toBe(`removed rule ${id}\n`);
    expect(cli(['notify', 'rules', '--project', 'demo']).out).toMatch(/no rules in demo/);
  });

  it("puts another member's comment in the creator's inbox; read, --unread and subscriptions", async () => {
    const invite = cli(['member', 'invite', '--email', 'bob@example.com', '--role', 'member']);
    const link = invite.out.trim().split('\n')[1]!;
    // Accepted in the owner's folder (the server's host, the default OPENASE_HOME): refused before the link is used,
    // and the owner's credentials stay (a walkthrough's second person replaced them silently).
    const refused = cli(['auth', 'accept', link, '--name', 'Bob']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/already holds this CLI's credentials .*OPENASE_HOME=~\/\.openase-you.*--replace/s);
    expect(cli(['auth', 'whoami']).out).not.toMatch(/^Bob/);
    const bob = fs.mkdtempSync(path.join(instance.work, 'bob-'));
    const joined = cli(['auth', 'accept', link, '--name', 'Bob'], bob);
    expect(joined.code, joined.err).toBe(0);
    expect(cli(['ticket', 'comment', 'DEMO-1', 'Looks good'], bob).code).toBe(0);

    await waitFor('the comment in the inbox', () => JSON.parse(cli(['inbox', 'list', '--json']).out).unread === 1);
    const inbox = cli(['inbox', 'list']).out.split('\n');
    expect(inbox[0]).toBe('1 unread (marked ●); `openase inbox read` marks them read.');
    expect(inbox.slice(2, 6)).toEqual([
      expect.stringMatching(/^● \d{4}-\d\d-\d\d \d\d:\d\d UTC {2}Bob commented on DEMO-1$/),
      '  Add login',
      '  commented on DEMO-1',
      '  “Looks good”',
    ]);
    expect(inbox).toContain(`  ${instance.server.url}/p/demo/board/DEMO-1`);
    expect(inbox.some((line) => /^ {2}id [0-9a-f-]{36}$/.test(line))).toBe(true);

    expect(cli(['inbox', 'read']).out).toBe('marked everything read; nothing unread\n');
    expect(cli(['inbox', 'list', '--unread']).out).toBe('Nothing unread.\n');
    expect(cli(['inbox', 'list']).out).toMatch(/^Nothing unread\.\n\n {2}\d{4}/);
    expect(cli(['inbox', 'read', '42']).code).toBe(2);

    expect(lineWith(cli(['inbox', 'subscriptions']).out, 'tickets-created')).toMatch(/tickets-created +on +what/);
    expect(lineWith(cli(['inbox', 'unsubscribe', 'tickets-created']).out, 'tickets-created')).toMatch(/ off /);
    expect(JSON.parse(cli(['inbox', 'subscriptions', '--json']).out)).toEqual({
      ticketsCreated: false,
      ticketsWatched: true,
      projectAi: true,
    });
    expect(lineWith(cli(['inbox', 'subscribe', 'tickets-created']).out, 'tickets-created')).toMatch(/ on /);
    const unknown = cli(['inbox', 'subscribe', 'everything']);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringMatching(/unknown subscription "everything"/)]);
  });

  it('watches and unwatches a ticket', async () => {
    const bob = fs.readdirSync(instance.work).find((f) => f.startsWith('bob-'))!;
    const asBob = (args: string[]) => cli(args, path.join(instance.work, bob));
    expect(cli(['ticket', 'watching', 'DEMO-1']).out).toBe('you watch DEMO-1\n');
    expect(asBob(['ticket', 'watching', 'DEMO-1']).out).toMatch(/^you do not watch DEMO-1 \(`openase ticket watch/);
    expect(asBob(['ticket', 'watch', 'DEMO-1']).out).toMatch(/^watching DEMO-1: what happens to it reaches your inbox/);
    expect(JSON.parse(asBob(['ticket', 'watching', 'DEMO-1', '--json']).out)).toEqual({
      ticket: 'DEMO-1',
      watching: true,
    });
    // What happens to a watched ticket reaches the watcher.
    expect(cli(['ticket', 'comment', 'DEMO-1', 'Thanks']).code).toBe(0);
    await waitFor('the comment in the watcher inbox', () => JSON.parse(asBob(['inbox', 'list', '--json']).out).unread);

    expect(asBob(['ticket', 'unwatch', 'DEMO-1']).out).toBe('no longer watching DEMO-1\n');
    expect(asBob(['ticket', 'watching', 'DEMO-1']).out).toMatch(/^you do not watch DEMO-1/);
  });
});
