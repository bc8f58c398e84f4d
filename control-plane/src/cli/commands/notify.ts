/**
 * `openase notify`: the organization's notification channels (a signed webhook or a Slack incoming webhook), the
 * delivery log, and each project's rules that send chosen events to a channel (docs/notifications.md). Admins
 * change them; everyone may list channels and rules. The console's Settings page shows the same.
 */
import {
  CHANNEL_KINDS,
  NOTIFICATION_EVENT_LABELS,
  NOTIFICATION_EVENTS,
  PRIORITIES,
  channelKindSchema,
  notificationEventSchema,
  prioritySchema,
  type NotificationEvent,
  type NotificationFilter,
} from '@openase/shared';
import {
  UsageError,
  listOption,
  requireOption,
  requirePositional,
  stringOption,
  type Command,
  type GroupBody,
  type OptionSpec,
  type ParsedArgs,
} from '../command.js';
import { callCommand, onOffCommands } from '../call-command.js';
import type { ApiClient } from '../client.js';
import { printTable, utcMinute } from '../output.js';
import { idArg, positiveIntOption, projectOf, PROJECT_OPTION } from './definitions-common.js';

/** An event as a person reads it; the delivery log also holds `test` (channel-test) messages. */
const eventLabel = (event: string) =>
  NOTIFICATION_EVENT_LABELS[event as NotificationEvent] ?? (event === 'test' ? 'Test message' : event);

const EVENTS_HELP = `Events (--event):\n${NOTIFICATION_EVENTS.map((e) => `  ${e.padEnd(26)}${eventLabel(e)}`).join('\n')}`;

function eventOf(args: ParsedArgs): NotificationEvent {
  const raw = stringOption(args.values.event);
  const event = notificationEventSchema.safeParse(raw);
  if (event.success) return event.data;
  const problem = raw === undefined ? '--event is required' : `unknown event "${raw}"`;
  throw new UsageError(`${problem}; events are ${NOTIFICATION_EVENTS.join(', ')}`);
}

const FILTER_OPTIONS: Record<string, OptionSpec> = {
  statuses: {
    type: 'string',
    value: 'S,…',
    description: 'only tickets in these statuses (for "entered a status": the status entered), e.g. "In Review,Done"',
  },
  labels: { type: 'string', value: 'L,…', description: 'only tickets with one of these labels' },
  priorities: {
    type: 'string',
    value: 'P,…',
    description: `only tickets of these priorities (${PRIORITIES.join('|')})`,
  },
};

/** The lists given of `--statuses`, `--labels`, `--priorities`; each one left out does not restrict. */
function filterOf(args: ParsedArgs): NotificationFilter {
  const statuses = listOption(args.values.statuses);
  const labels = listOption(args.values.labels);
  const priorities = listOption(args.values.priorities)?.map((p) => {
    const parsed = prioritySchema.safeParse(p);
    if (!parsed.success) throw new UsageError(`unknown priority "${p}"; priorities are ${PRIORITIES.join(', ')}`);
    return parsed.data;
  });
  return { ...(statuses && { statuses }), ...(labels && { labels }), ...(priorities && { priorities }) };
}

function describeFilter(filter: NotificationFilter): string {
  const parts = [
    filter.statuses?.length && `status ${filter.statuses.join(' or ')}`,
    filter.labels?.length && `label ${filter.labels.join(' or ')}`,
    filter.priorities?.length && `priority ${filter.priorities.join(' or ')}`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'every one';
}

const onOff = (enabled: boolean) => (enabled ? 'on' : 'off');

/** A delivery's state in words, as the console's delivery log says it. */
function deliveryState(d: { state: string; attempts: unknown[]; nextAttemptAt: Date | string | null }): string {
  if (d.state === 'delivered') return 'delivered';
  if (d.state === 'failed') return 'gave up';
  return d.attempts.length ? `waiting to retry at ${utcMinute(d.nextAttemptAt)}` : 'waiting to be sent';
}

const channelArg = (args: ParsedArgs) => requirePositional(args, 0, 'channel NAME');
const ruleArg = (args: ParsedArgs) =>
  idArg(requirePositional(args, 0, 'rule ID'), 'a rule', 'openase notify rules --project P');

/** `openase notify channel-remove NAME` and `rule-remove ID`: the API answers nothing; the command says what went. */
function removeCommand(
  what: 'channel' | 'rule',
  summary: string,
  refOf: (args: ParsedArgs) => string,
  remove: (api: ApiClient, ref: string) => Promise<unknown>,
  alsoRemoved = '',
): Command {
  return callCommand({
    name: `${what}-remove`,
    summary,
    args: [what === 'channel' ? 'NAME' : 'ID'],
    usage: '[--json]',
    check: refOf,
    async call(api, _args, _io, ref) {
      await remove(api, ref);
      return { deleted: ref };
    },
    print(io, { deleted }) {
      io.out(`removed ${what} ${deleted}${alsoRemoved}`);
    },
  });
}

export const notifyCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'channels',
      summary: "list the organization's notification channels",
      args: [],
      usage: '[--json]',
      call: (api) => api.notify.channels.query(),
      print(io, channels) {
        printTable(
          io,
          ['NAME', 'KIND', 'SENDS TO', 'STATE'],
          channels.map((c) => [
            c.name,
            c.kind === 'webhook' && c.signed ? 'webhook, signed' : c.kind,
            c.urlHint,
            onOff(c.enabled),
          ]),
          '(no notification channels; add one with `openase notify channel-add NAME --kind webhook --url URL`)',
        );
      },
    }),
    callCommand({
      name: 'channel-add',
      summary: 'add a channel: a webhook (signed; its secret is printed once) or a Slack incoming webhook (admins)',
      args: ['NAME'],
      usage: `--kind ${CHANNEL_KINDS.join('|')} --url URL [--json]`,
      details:
        'A webhook gets each event as JSON, signed with HMAC-SHA256 over "<timestamp>.<body>" with the secret printed ' +
        'now (headers x-openase-signature and x-openase-timestamp; docs/notifications.md). Nothing is sent until a ' +
        "project's rule names the channel (`openase notify rule-add`).",
      options: {
        kind: { type: 'string', value: CHANNEL_KINDS.join('|'), description: 'what receives the messages' },
        url: { type: 'string', value: 'URL', description: 'where to POST them (http:// or https://)' },
      },
      examples: [
        'openase notify channel-add ci-hook --kind webhook --url https://ci.example.com/openase',
        'openase notify channel-add team --kind slack --url https://hooks.slack.com/services/T0/B0/xyz',
      ],
      check(args) {
        const raw = requireOption(args, 'kind');
        const kind = channelKindSchema.safeParse(raw);
        if (!kind.success) throw new UsageError(`--kind must be ${CHANNEL_KINDS.join(' or ')}, got "${raw}"`);
        return { name: channelArg(args), kind: kind.data, url: requireOption(args, 'url') };
      },
      call: (api, _args, _io, channel) => api.notify.createChannel.mutate(channel),
      print(io, { channel, secret }) {
        io.out(`added the ${channel.kind} channel ${channel.name} (${channel.urlHint})`);
        if (!secret) return;
        io.out('Its signing secret is shown only now; keep it where the receiver checks the signatures:');
        io.out(`  ${secret}`);
      },
    }),
    callCommand({
      name: 'channel-update',
      summary: 'rename a channel or change its URL (admins; the signing secret stays)',
      args: ['NAME'],
      usage: '[--name NEW] [--url URL] [--json]',
      options: {
        name: { type: 'string', value: 'NEW', description: 'its new name (rules keep sending to it)' },
        url: { type: 'string', value: 'URL', description: 'where to POST from now on' },
      },
      check(args) {
        const changes = { name: stringOption(args.values.name), url: stringOption(args.values.url) };
        if (!changes.name && !changes.url)
          throw new UsageError('give --name or --url (channel-enable and channel-disable turn it on and off)');
        return { channel: channelArg(args), ...changes };
      },
      call: (api, _args, _io, changes) => api.notify.updateChannel.mutate(changes),
      print(io, channel) {
        io.out(`channel ${channel.name} sends to ${channel.urlHint}`);
      },
    }),
    ...onOffCommands({
      on: { name: 'channel-enable', summary: 'turn a channel on: its rules send to it again (admins)' },
      off: { name: 'channel-disable', summary: 'turn a channel off: nothing is sent to it, its rules stay (admins)' },
      args: ['NAME'],
      usage: '[--json]',
      check: (args) => void channelArg(args),
      call: (api, args, _io, enabled) => api.notify.updateChannel.mutate({ channel: channelArg(args), enabled }),
      print(io, channel, enabled) {
        io.out(`channel ${channel.name} is ${onOff(enabled)}${enabled ? '' : ': nothing is sent to it'}`);
      },
    }),
    removeCommand(
      'channel',
      'remove a channel and the rules that send to it (admins)',
      channelArg,
      (api, channel) => api.notify.deleteChannel.mutate({ channel }),
      ' and its rules',
    ),
    callCommand({
      name: 'channel-test',
      summary: 'send a test message to a channel now and say what the receiver answered (admins)',
      args: ['NAME'],
      usage: '[--json]',
      details:
        'One attempt, no retries; it is in the delivery log (`openase notify deliveries`). Exit code 1 when not delivered.',
      check: channelArg,
      call: (api, _args, _io, channel) => api.notify.testChannel.mutate({ channel }),
      print(io, result, args) {
        const answer = `${result.status ? `HTTP ${result.status}` : 'no answer'} in ${result.durationMs} ms`;
        if (result.ok) {
          io.out(`sent a test message to ${channelArg(args)}: delivered (${answer})`);
          return;
        }
        io.err(
          `openase notify channel-test: the test message to ${channelArg(args)} was not delivered: ${
            // The error often is the status itself ("HTTP 404"): said once.
            result.error && result.error !== `HTTP ${result.status}` ? `${result.error} (${answer})` : answer
          }`,
        );
        return 1;
      },
    }),
    callCommand({
      name: 'deliveries',
      summary: 'the delivery log: what was sent where, newest first, with each attempt (admins)',
      args: [],
      usage: '[--channel NAME] [--limit N] [--json]',
      options: {
        channel: { type: 'string', value: 'NAME', description: 'only what went to this channel' },
        limit: { type: 'string', value: 'N', description: 'at most N deliveries (default 100, at most 500)' },
      },
      call: (api, args) =>
        api.notify.deliveries.query({
          channel: stringOption(args.values.channel),
          limit: positiveIntOption(args, 'limit'),
        }),
      print(io, deliveries) {
        printTable(
          io,
          ['WHEN (UTC)', 'CHANNEL', 'EVENT', 'MESSAGE', 'STATE', 'ANSWERS'],
          deliveries.map((d) => [
            utcMinute(d.createdAt),
            d.channel,
            eventLabel(d.event),
            d.title,
            deliveryState(d),
            d.attempts.map((a) => a.status ?? a.error ?? 'no answer').join(' '),
          ]),
          '(nothing sent yet; `openase notify channel-test NAME` sends a test message)',
        );
      },
    }),
    callCommand({
      name: 'rules',
      summary: "list a project's rules: which events go to which channel",
      args: [],
      usage: '--project P [--json]',
      options: PROJECT_OPTION,
      call: (api, args, io) => api.notify.rules.query({ project: projectOf(args, io.env) }),
      print(io, rules, args) {
        printTable(
          io,
          ['ID', 'WHEN', 'TICKETS', 'CHANNEL', 'STATE'],
          rules.map((r) => [r.id, eventLabel(r.event), describeFilter(r.filter), r.channel, onOff(r.enabled)]),
          `(no rules in ${projectOf(args, io.env)}: nothing is sent; add one with \`openase notify rule-add\`)`,
        );
      },
    }),
    callCommand({
      name: 'rule-add',
      summary: "send one kind of a project's events to a channel, optionally only some tickets' (admins)",
      args: [],
      usage: '--project P --channel NAME --event EVENT [--statuses S,…] [--labels L,…] [--priorities P,…] [--json]',
      details: `${EVENTS_HELP}\nWith several filters a ticket must match each one.`,
      options: {
        ...PROJECT_OPTION,
        channel: { type: 'string', value: 'NAME', description: 'the channel it sends to (`openase notify channels`)' },
        event: { type: 'string', value: 'EVENT', description: 'what is sent: one of the events above' },
        ...FILTER_OPTIONS,
      },
      examples: [
        'openase notify rule-add --project demo --channel team --event ticket.entered_status --statuses "In Review"',
        'openase notify rule-add --project demo --channel ci-hook --event run.failed --priorities high,urgent',
      ],
      check: (args, io) => ({
        project: projectOf(args, io.env),
        channel: requireOption(args, 'channel'),
        event: eventOf(args),
        filter: filterOf(args),
      }),
      call: (api, _args, _io, rule) => api.notify.createRule.mutate(rule),
      print(io, rule) {
        io.out(
          `added rule ${rule.id}: "${eventLabel(rule.event)}" (${describeFilter(rule.filter)}) → channel ${rule.channel}`,
        );
      },
    }),
    ...onOffCommands({
      on: { name: 'rule-enable', summary: 'turn a rule on (admins)' },
      off: { name: 'rule-disable', summary: 'turn a rule off: it is kept but sends nothing (admins)' },
      args: ['ID'],
      usage: '[--json]',
      check: (args) => void ruleArg(args),
      async call(api, args, _io, enabled) {
        await api.notify.updateRule.mutate({ id: ruleArg(args), enabled });
        return { id: ruleArg(args), enabled };
      },
      print(io, rule) {
        io.out(`rule ${rule.id} is ${onOff(rule.enabled)}`);
      },
    }),
    removeCommand('rule', 'remove a rule (admins)', ruleArg, (api, id) => api.notify.deleteRule.mutate({ id })),
  ],
};
