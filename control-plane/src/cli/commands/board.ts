/**
 * The board's multi-select and saved views from a terminal: `openase ticket bulk-update|bulk-delete`
 * (tickets.bulkUpdate / bulkDelete, one transaction: all or nothing) and `openase view list|save|delete`.
 */
import { PRIORITIES, type SavedViewQuery } from '@openase/shared';
import {
  UsageError,
  requirePositional,
  stringOption,
  type Command,
  type GroupBody,
  type ParsedArgs,
} from '../command.js';
import { callCommand } from '../call-command.js';
import { printTable } from '../output.js';
import { PROJECT_OPTION, priorityOption, projectOf } from './definitions-common.js';

const count = (n: number) => `${n} ${n === 1 ? 'ticket' : 'tickets'}`;

function ticketsOf(args: ParsedArgs): string[] {
  if (!args.positionals.length) throw new UsageError('name at least one TICKET');
  return args.positionals;
}

export const bulkCommands: Command[] = [
  callCommand({
    name: 'bulk-update',
    summary: 'move and/or reprioritize several tickets at once (all or none)',
    args: ['TICKET…'],
    usage: '--project P [--status S] [--priority P] [--json]',
    details: 'One transaction: when one ticket cannot change, none does and the reason is said.',
    options: {
      ...PROJECT_OPTION,
      status: { type: 'string', value: 'S', description: 'move them to this status' },
      priority: { type: 'string', value: 'P', description: PRIORITIES.join('|') },
    },
    examples: [
      'openase ticket bulk-update DEMO-3 DEMO-4 --status Done',
      'openase ticket bulk-update DEMO-5 --priority high',
    ],
    call(api, args, io) {
      const status = stringOption(args.values.status);
      const priority = priorityOption(args);
      if (status === undefined && priority === undefined) throw new UsageError('give --status, --priority or both');
      const items = ticketsOf(args).map((ticket) => ({ ticket, status, priority }));
      return api.tickets.bulkUpdate.mutate({ project: projectOf(args, io.env), items });
    },
    print(io, result) {
      printTable(
        io,
        ['TICKET', 'STATUS', 'PRIORITY'],
        result.updated.map((t) => [t.identifier, t.status, t.priority]),
      );
      io.out(`${count(result.updated.length)} updated`);
    },
  }),
  callCommand({
    name: 'bulk-delete',
    summary: 'delete several tickets for good, all or none',
    args: ['TICKET…'],
    usage: '--project P [--json]',
    details: 'Refused, deleting nothing, when one of them has a run in progress or a sub-ticket that is not named.',
    options: { ...PROJECT_OPTION },
    call: (api, args, io) =>
      api.tickets.bulkDelete.mutate({ project: projectOf(args, io.env), tickets: ticketsOf(args) }),
    print(io, result) {
      io.out(`deleted ${result.deleted.join(', ')}`);
    },
  }),
];

/** `--q`, `--label`, `--priority`, `--list`: what the board's URL carries. */
function viewQuery(args: ParsedArgs): SavedViewQuery {
  return {
    q: stringOption(args.values.q),
    label: stringOption(args.values.label),
    priority: priorityOption(args),
    view: args.values.list ? 'list' : undefined,
  };
}

function describeQuery(query: SavedViewQuery): string {
  const parts = [
    query.q && `search "${query.q}"`,
    query.label && `label ${query.label}`,
    query.priority && `priority ${query.priority}`,
    query.view === 'list' && 'as a list',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'every ticket';
}

export const viewCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'list',
      summary: 'list your saved views of a project board',
      args: [],
      usage: '--project P [--json]',
      options: { ...PROJECT_OPTION },
      call: (api, args, io) => api.views.list.query({ project: projectOf(args, io.env) }),
      print(io, views) {
        if (!views.length) {
          io.out('no saved views; save one with `openase view save NAME --project P …`');
          return;
        }
        printTable(
          io,
          ['NAME', 'SHOWS'],
          views.map((v) => [v.name, describeQuery(v.query)]),
        );
      },
    }),
    callCommand({
      name: 'save',
      summary: 'save (or replace) a view: the board filtered by search, label and priority',
      args: ['NAME'],
      usage: '--project P [--q TEXT] [--label L] [--priority P] [--list] [--json]',
      options: {
        ...PROJECT_OPTION,
        q: { type: 'string', value: 'TEXT', description: 'search text' },
        label: { type: 'string', value: 'L', description: 'only tickets with this label' },
        priority: { type: 'string', value: 'P', description: PRIORITIES.join('|') },
        list: { type: 'boolean', description: 'open as a list instead of columns' },
      },
      examples: ['openase view save "Urgent backend" --project demo --label backend --priority urgent'],
      call: (api, args, io) =>
        api.views.save.mutate({
          project: projectOf(args, io.env),
          name: requirePositional(args, 0, 'view NAME'),
          query: viewQuery(args),
        }),
      print(io, view) {
        io.out(`saved view ${view.name}: ${describeQuery(view.query)}`);
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete one of your saved views',
      args: ['NAME'],
      usage: '--project P [--json]',
      options: { ...PROJECT_OPTION },
      call: (api, args, io) =>
        api.views.delete.mutate({ project: projectOf(args, io.env), name: requirePositional(args, 0, 'view NAME') }),
      print(io, result) {
        io.out(`deleted view ${result.deleted}`);
      },
    }),
  ],
};
