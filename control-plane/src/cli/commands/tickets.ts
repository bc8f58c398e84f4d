import fs from 'node:fs';
import { hookWords, PRIORITIES } from '@openase/shared';
import {
  UsageError,
  listOption,
  requirePositional,
  stringOption,
  type GroupBody,
  type ParsedArgs,
} from '../command.js';
import { PAGE_OPTIONS, PAGE_USAGE, printMore, readPages } from '../paging.js';
import { oneLine, printTable, utcMinute } from '../output.js';
import { progressCommand, whyCommand } from './why.js';
import { printTicket } from './ticket-show.js';
import { answerCommand, askCommand } from './questions.js';
import { idArg, PROJECT_OPTION, priorityOption, projectOf, ticketArg, withOwnTicket } from './definitions-common.js';
import { bulkCommands } from './board.js';
import { diffCommand, reviewCommand } from './review.js';
import { watchCommands } from './inbox.js';
import { callCommand } from '../call-command.js';

function budgetOption(args: ParsedArgs): number | null | undefined {
  const raw = stringOption(args.values.budget);
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--budget must be an amount in USD ≥ 0 or "none", got "${raw}"`);
  return n;
}

/** `--description -` reads standard input; `--description-file F` reads a file. */
function descriptionOption(args: ParsedArgs): string | undefined {
  const file = stringOption(args.values['description-file']);
  if (file) return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  const text = stringOption(args.values.description);
  return text === '-' ? fs.readFileSync(0, 'utf8') : text;
}

/** `--blocked-by T` (repeatable, or comma-separated): the tickets a new ticket waits for. */
const blockersOf = (args: ParsedArgs) => listOption(args.values['blocked-by']) ?? [];

/** The STATUS of `ticket move [TICKET] STATUS` (the TICKET defaults to an agent run's own). */
const statusArg = (parsed: ParsedArgs, env: NodeJS.ProcessEnv) =>
  requirePositional(withOwnTicket(parsed, env, 2), 1, 'STATUS');

const ticketFields = {
  description: { type: 'string' as const, description: 'Markdown description ("-" reads standard input)' },
  'description-file': { type: 'string' as const, value: 'FILE', description: 'read the description from FILE' },
  priority: { type: 'string' as const, description: PRIORITIES.join('|') },
  label: { type: 'string' as const, multiple: true, description: 'label, or comma-separated labels' },
  parent: { type: 'string' as const, value: 'TICKET', description: 'parent ticket identifier' },
  budget: { type: 'string' as const, value: 'USD', description: 'cost budget in USD ("none" to clear)' },
};

/**
 * The title, given as --title or as the one argument after `create` (quoted when it has spaces: more words are
 * refused by the framework, which says so).
 */
function titleOf(args: ParsedArgs): string {
  const option = stringOption(args.values.title);
  if (args.positionals.length && option !== undefined)
    throw new UsageError('give the title once: right after `create`, or as --title, not both');
  const title = args.positionals[0] ?? option;
  if (title === undefined) throw new UsageError('a title is required: openase ticket create "Add login" --project P');
  return title;
}

export const ticketCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'create',
      summary: 'create a ticket',
      args: ['[TITLE]'],
      usage:
        '--project P [--title TITLE] [--status S] [--priority P] [--label L] [--parent T] [--blocked-by T] [--json]',
      details: 'The title is the argument after `create` (in quotes when it has spaces) or --title.',
      options: {
        ...PROJECT_OPTION,
        title: { type: 'string', description: 'one-line title' },
        status: { type: 'string', description: 'initial status (default: the project default, Backlog)' },
        ...ticketFields,
        'blocked-by': {
          type: 'string',
          multiple: true,
          value: 'TICKET',
          description: 'a ticket that must be done first, or comma-separated tickets',
        },
      },
      examples: [
        'openase ticket create --project demo --title "Add login" --priority high --label auth',
        'openase ticket create --title "Write the migration" --parent "$OPENASE_TICKET"   (in an agent run)',
      ],
      async call(api, args, io) {
        const ticket = await api.tickets.create.mutate({
          project: projectOf(args, io.env),
          title: titleOf(args),
          description: descriptionOption(args),
          status: stringOption(args.values.status),
          priority: priorityOption(args),
          labels: listOption(args.values.label),
          parent: stringOption(args.values.parent),
          budgetUsd: budgetOption(args),
        });
        for (const blocker of blockersOf(args)) await api.tickets.link.mutate({ blocker, blocked: ticket.identifier });
        return ticket;
      },
      print(io, ticket, args) {
        const blockers = blockersOf(args);
        io.out(
          `created ${ticket.identifier}: ${oneLine(ticket.title)}${blockers.length ? ` (blocked by ${blockers.join(', ')})` : ''}`,
        );
      },
    }),
    callCommand({
      name: 'list',
      summary: "list a project's tickets in board order",
      args: [],
      usage: `--project P [--status S] [--label L] [--priority P] [--search TEXT] [--archived] ${PAGE_USAGE} [--json]`,
      details: 'One page at a time (200 tickets unless --limit); the line under the table says when there are more.',
      options: {
        ...PROJECT_OPTION,
        status: { type: 'string', description: 'only this status' },
        label: { type: 'string', description: 'only tickets with this label' },
        priority: { type: 'string', description: 'only this priority' },
        search: { type: 'string', description: 'text in the title, identifier or labels' },
        archived: { type: 'boolean', description: 'include archived tickets' },
        ...PAGE_OPTIONS,
      },
      call(api, args, io) {
        const filter = {
          project: projectOf(args, io.env),
          status: stringOption(args.values.status),
          label: stringOption(args.values.label),
          priority: priorityOption(args),
          search: stringOption(args.values.search),
          includeArchived: Boolean(args.values.archived),
        };
        return readPages(args, (at) => api.tickets.list.query({ ...filter, ...at }));
      },
      print(io, page) {
        printTable(
          io,
          ['ID', 'STATUS', 'PRIORITY', 'TITLE', 'LABELS'],
          page.items.map((t) => [t.identifier, t.statusName, t.priority, t.title, t.labels.join(',')]),
          'no tickets; create one with `openase ticket create --project P --title T`',
        );
        printMore(io, page);
      },
    }),
    callCommand({
      name: 'show',
      summary: 'show a ticket with its relations, comments and activity',
      args: ['TICKET'],
      usage: '[--json]',
      call: (api, parsed, io) => api.tickets.show.query({ ticket: ticketArg(parsed, io.env, 1) }),
      print: printTicket,
    }),
    callCommand({
      name: 'update',
      summary: "change a ticket's fields",
      args: ['TICKET'],
      usage: '[--title T] [--description D] [--priority P] [--label L] [--parent T|none] [--budget USD] [--json]',
      options: { title: { type: 'string', description: 'new title' }, ...ticketFields },
      call(api, parsed, io) {
        const args = withOwnTicket(parsed, io.env, 1);
        const parent = stringOption(args.values.parent);
        return api.tickets.update.mutate({
          ticket: requirePositional(args, 0, 'TICKET identifier'),
          title: stringOption(args.values.title),
          description: descriptionOption(args),
          priority: priorityOption(args),
          labels: listOption(args.values.label),
          parent: parent === 'none' ? null : parent,
          budgetUsd: budgetOption(args),
        });
      },
      print(io, ticket) {
        io.out(`updated ${ticket.identifier}`);
      },
    }),
    callCommand({
      name: 'move',
      summary: 'move a ticket to another status',
      args: ['TICKET', 'STATUS'],
      usage: '[--json]',
      examples: [
        'openase ticket move DEMO-1 Todo',
        'openase ticket move "$OPENASE_TICKET" "In Review"   (in an agent run; the TICKET may be left out)',
      ],
      check: (parsed, io) => statusArg(parsed, io.env),
      call: (api, parsed, io, status) =>
        api.tickets.move.mutate({
          ticket: requirePositional(withOwnTicket(parsed, io.env, 2), 0, 'TICKET identifier'),
          status,
        }),
      print(io, ticket, parsed) {
        // As the project names it: `ticket move X "in progress"` says "In Progress".
        const status = ticket.statusName ?? statusArg(parsed, io.env);
        // An agent's move to a finish status waits for the workflow's before_finish checks.
        io.out(
          ticket.pendingStatus
            ? `${ticket.identifier} will move to ${ticket.pendingStatus} once ${hookWords('before_finish')} pass`
            : ticket.unchanged
              ? `${ticket.identifier} is in ${status} already; nothing changed`
              : `moved ${ticket.identifier} to ${status}`,
        );
      },
    }),
    callCommand({
      name: 'retry',
      summary: 'try a parked or waiting ticket again now (attempts start over)',
      args: ['TICKET'],
      usage: '[--json]',
      call: (api, parsed, io) => api.tickets.retry.mutate({ ticket: ticketArg(parsed, io.env, 1) }),
      print(io, ticket) {
        io.out(
          `${ticket.identifier} will be picked up again as soon as its gates allow (see \`openase ticket why ${ticket.identifier}\`)`,
        );
      },
    }),
    callCommand({
      name: 'comment',
      summary: 'add a comment, or edit one with --edit',
      args: ['TICKET', 'TEXT'],
      usage: '[--edit COMMENT_ID] [--json]   (TEXT "-" reads standard input)',
      options: {
        edit: { type: 'string', value: 'COMMENT_ID', description: 'edit this comment instead (its history is kept)' },
      },
      check(parsed, io) {
        const args = withOwnTicket(parsed, io.env, 2);
        const ticket = requirePositional(args, 0, 'TICKET identifier');
        const body = requirePositional(args, 1, 'comment TEXT');
        return { ticket, body: body === '-' ? fs.readFileSync(0, 'utf8') : body };
      },
      async call(api, args, _io, { ticket, body }) {
        const editId = stringOption(args.values.edit);
        let commentId = editId;
        if (editId) {
          // One of this ticket's comments, by its id or the first characters `ticket show` prints.
          const detail = await api.tickets.show.query({ ticket });
          const matches = detail.comments.filter((c) => c.id.startsWith(editId.toLowerCase()));
          if (matches.length !== 1)
            throw new UsageError(
              matches.length
                ? `--edit ${editId} matches ${matches.length} comments on ${ticket}; give more of its id`
                : `${ticket} has no comment ${editId} (\`openase ticket show ${ticket}\` lists its comments)`,
            );
          commentId = matches[0]!.id;
        }
        return commentId ? api.comments.edit.mutate({ commentId, body }) : api.comments.add.mutate({ ticket, body });
      },
      print(io, comment, parsed) {
        const ticket = requirePositional(withOwnTicket(parsed, io.env, 2), 0, 'TICKET identifier');
        io.out(`${stringOption(parsed.values.edit) ? 'edited' : 'added'} comment ${comment.id} on ${ticket}`);
      },
    }),
    callCommand({
      name: 'comment-history',
      summary: "every version of a comment, oldest first (a comment's id as `ticket show` prints it)",
      args: ['COMMENT_ID'],
      usage: '[--json]',
      check: (args) => idArg(requirePositional(args, 0, 'COMMENT_ID'), 'a comment', 'openase ticket show TICKET'),
      call: (api, _args, _io, commentId) => api.comments.history.query({ commentId }),
      print(io, revisions) {
        for (const r of revisions) io.out(`version ${r.revision}, ${utcMinute(r.createdAt)} UTC: ${oneLine(r.body)}`);
      },
    }),
    callCommand({
      name: 'link',
      summary: 'record that one ticket blocks another (or remove it with --remove)',
      args: ['TICKET', '[OTHER]'],
      usage: '(--blocks OTHER | --blocked-by OTHER) [--remove] [--json]',
      details: '`openase ticket link A B` is `openase ticket link A --blocks B`: A must be done before B.',
      options: {
        blocks: { type: 'string', value: 'OTHER', description: 'TICKET blocks OTHER' },
        'blocked-by': { type: 'string', value: 'OTHER', description: 'OTHER blocks TICKET' },
        remove: { type: 'boolean', description: 'remove the dependency instead' },
      },
      examples: ['openase ticket link DEMO-1 --blocks DEMO-2', 'openase ticket link DEMO-1 DEMO-2   (the same)'],
      check(args) {
        const ticket = requirePositional(args, 0, 'TICKET identifier');
        const other = args.positionals[1];
        const blockedBy = stringOption(args.values['blocked-by']);
        const blocks = stringOption(args.values.blocks);
        // `link A B --blocks C` named two others; the option used to win without a word about B.
        if ([other, blocks, blockedBy].filter(Boolean).length !== 1)
          throw new UsageError('give exactly one of OTHER, --blocks OTHER or --blocked-by OTHER');
        return blockedBy ? { blocker: blockedBy, blocked: ticket } : { blocker: ticket, blocked: (blocks ?? other)! };
      },
      call: (api, args, _io, pair) =>
        args.values.remove ? api.tickets.unlink.mutate(pair) : api.tickets.link.mutate(pair),
      print(io, result, args) {
        io.out(
          args.values.remove
            ? `${result.blocker} no longer blocks ${result.blocked}`
            : `${result.blocker} now blocks ${result.blocked}`,
        );
      },
    }),
    callCommand({
      name: 'archive',
      summary: 'archive a ticket (or restore it with --restore)',
      args: ['TICKET'],
      usage: '[--restore] [--json]',
      options: { restore: { type: 'boolean', description: 'un-archive instead' } },
      call: (api, args) =>
        api.tickets.archive.mutate({
          ticket: requirePositional(args, 0, 'TICKET identifier'),
          archived: !args.values.restore,
        }),
      print(io, ticket) {
        io.out(`${ticket.archivedAt ? 'archived' : 'restored'} ${ticket.identifier}`);
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete a ticket for good (refused while a run is in progress or it has sub-tickets)',
      args: ['TICKET'],
      usage: '[--with-children] [--json]',
      options: {
        'with-children': { type: 'boolean', description: 'delete its sub-tickets (and theirs) too' },
      },
      examples: ['openase ticket delete DEMO-7', 'openase ticket delete DEMO-3 --with-children'],
      call: (api, args) =>
        api.tickets.delete.mutate({
          ticket: requirePositional(args, 0, 'TICKET identifier'),
          withChildren: Boolean(args.values['with-children']),
        }),
      print(io, result) {
        io.out(`deleted ${result.deleted.join(', ')}`);
      },
    }),
    ...bulkCommands,
    progressCommand,
    askCommand,
    answerCommand,
    whyCommand,
    diffCommand,
    reviewCommand,
    ...watchCommands,
  ],
};
