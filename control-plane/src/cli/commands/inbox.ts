/**
 * `openase inbox`: a person's inbox — what happened to the tickets they created or watch, and Project AI waiting for
 * them — and which of those reach it (docs/notifications.md). `openase ticket watch|unwatch|watching` (watchCommands,
 * in the ticket group) choose the tickets. The console's Inbox page shows the same.
 */
import type { Subscriptions } from '@openase/shared';
import { UsageError, type Command, type CommandIo, type GroupBody, type ParsedArgs } from '../command.js';
import { callCommand, onOffCommands } from '../call-command.js';
import { resolveEndpoint } from '../client.js';
import { oneLine, printTable, utcMinute } from '../output.js';
import { idArg, positiveIntOption, ticketArg } from './definitions-common.js';

/** What `subscribe` and `unsubscribe` take, and what each brings to the inbox. */
const SUBSCRIPTIONS = {
  'tickets-created': { key: 'ticketsCreated', what: 'what happens to tickets you created' },
  'tickets-watched': { key: 'ticketsWatched', what: 'what happens to tickets you watch (`openase ticket watch`)' },
  'project-ai': { key: 'projectAi', what: 'Project AI conversations you started that wait for you' },
} as const satisfies Record<string, { key: keyof Subscriptions; what: string }>;
type SubscriptionName = keyof typeof SUBSCRIPTIONS;
const NAMES = Object.keys(SUBSCRIPTIONS) as SubscriptionName[];

function subscriptionNames(args: ParsedArgs): SubscriptionName[] {
  if (!args.positionals.length) throw new UsageError(`name a subscription: ${NAMES.join(', ')}`);
  for (const name of args.positionals)
    if (!(name in SUBSCRIPTIONS)) throw new UsageError(`unknown subscription "${name}"; they are ${NAMES.join(', ')}`);
  return args.positionals as SubscriptionName[];
}

function printSubscriptions(io: CommandIo, subs: Subscriptions): void {
  printTable(
    io,
    ['SUBSCRIPTION', 'STATE', 'YOUR INBOX TELLS YOU'],
    NAMES.map((name) => [name, subs[SUBSCRIPTIONS[name].key] ? 'on' : 'off', SUBSCRIPTIONS[name].what]),
  );
}

export const inboxCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'list',
      summary: 'your inbox, newest first, with how many entries are unread',
      args: [],
      usage: '[--unread] [--limit N] [--json]',
      options: {
        unread: { type: 'boolean', description: 'only the entries not read yet' },
        limit: { type: 'string', value: 'N', description: 'at most N entries (default 100, at most 500)' },
      },
      call: (api, args) =>
        api.inbox.list.query({ unreadOnly: args.values.unread === true, limit: positiveIntOption(args, 'limit') }),
      print(io, { items, unread }, args) {
        if (!items.length) {
          io.out(
            args.values.unread
              ? 'Nothing unread.'
              : 'Your inbox is empty: tickets you create or watch, and Project AI waiting for you, tell you here.',
          );
          return;
        }
        io.out(unread ? `${unread} unread (marked ●); \`openase inbox read\` marks them read.` : 'Nothing unread.');
        const origin = resolveEndpoint(io.env).url;
        for (const item of items) {
          io.out('');
          io.out(`${item.readAt ? ' ' : '●'} ${utcMinute(item.createdAt)} UTC  ${oneLine(item.title)}`);
          for (const line of item.body.split('\n').filter(Boolean)) io.out(`  ${oneLine(line)}`);
          if (item.link) io.out(`  ${origin}${item.link}`);
          io.out(`  id ${item.id}`);
        }
      },
    }),
    callCommand({
      name: 'read',
      summary: 'mark inbox entries read: the ones named by id, or all of them',
      args: ['[ID…]'],
      usage: '[--all] [--json]',
      examples: ['openase inbox read', 'openase inbox read 0b6c3f1e-5d3a-4c2e-9a57-6f1d2e3c4b5a'],
      options: { all: { type: 'boolean', description: 'all of them (what giving no ID does)' } },
      check(args) {
        if (args.values.all && args.positionals.length) throw new UsageError('give IDs or --all, not both');
        return args.positionals.map((id) => idArg(id, 'an inbox entry', 'openase inbox list'));
      },
      call: (api, _args, _io, ids) => api.inbox.read.mutate({ ids: ids.length ? ids : undefined }),
      print(io, { unread }, args) {
        const n = args.positionals.length;
        const marked = n ? `${n} ${n === 1 ? 'entry' : 'entries'}` : 'everything';
        io.out(`marked ${marked} read; ${unread ? `${unread} unread` : 'nothing unread'}`);
      },
    }),
    callCommand({
      name: 'subscriptions',
      summary: 'what reaches your inbox',
      args: [],
      usage: '[--json]',
      call: (api) => api.inbox.subscriptions.query(),
      print: printSubscriptions,
    }),
    ...onOffCommands({
      on: { name: 'subscribe', summary: `let one of ${NAMES.join(', ')} reach your inbox` },
      off: { name: 'unsubscribe', summary: 'keep one of them out of your inbox' },
      args: [`${NAMES.join('|')}…`],
      usage: '[--json]',
      check: (args) => void subscriptionNames(args),
      async call(api, args, _io, on) {
        const subs = { ...(await api.inbox.subscriptions.query()) };
        for (const name of subscriptionNames(args)) subs[SUBSCRIPTIONS[name].key] = on;
        return api.inbox.setSubscriptions.mutate(subs);
      },
      print: printSubscriptions,
    }),
  ],
};

/** `openase ticket watch|unwatch|watching TICKET`: the tickets whose changes reach one's inbox. */
export const watchCommands: Command[] = [
  ...onOffCommands({
    on: { name: 'watch', summary: 'watch a ticket: what happens to it reaches your inbox (`openase inbox list`)' },
    off: { name: 'unwatch', summary: 'stop watching a ticket (also one you created)' },
    args: ['TICKET'],
    usage: '[--json]',
    call: (api, args, io, watching) => api.inbox.watch.mutate({ ticket: ticketArg(args, io.env, 1), watching }),
    print(io, { ticket, watching }) {
      io.out(watching ? `watching ${ticket}: what happens to it reaches your inbox` : `no longer watching ${ticket}`);
    },
  }),
  callCommand({
    name: 'watching',
    summary: 'whether you watch a ticket',
    args: ['TICKET'],
    usage: '[--json]',
    async call(api, args, io) {
      const ticket = ticketArg(args, io.env, 1);
      return { ticket, watching: await api.inbox.watching.query({ ticket }) };
    },
    print(io, { ticket, watching }) {
      io.out(watching ? `you watch ${ticket}` : `you do not watch ${ticket} (\`openase ticket watch ${ticket}\`)`);
    },
  }),
];
