import { requireOption, requirePositional, stringOption, type GroupBody } from '../command.js';
import { perDay } from '@openase/shared';
import { apiClientFromEnv } from '../client.js';
import { PAGE_OPTIONS, PAGE_USAGE, printMore, readPages } from '../paging.js';
import { printFields, printTable, utcMinute } from '../output.js';
import { mergeSettingsCommand } from './review.js';
import { limitOption } from './statuses.js';
import { githubCommand, githubIssuesCommand } from './github.js';
import { positiveIntOption } from './definitions-common.js';
import { callCommand, resultCommand } from '../call-command.js';

export const projectCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'create',
      summary: 'create a project with the default statuses',
      args: ['NAME'],
      usage: '[--slug SLUG] [--prefix PREFIX] [--description TEXT] [--json]',
      details: 'The slug and ticket prefix are derived from NAME unless given: "Demo" → slug demo, prefix DEMO.',
      options: {
        slug: { type: 'string', description: 'URL name (lowercase letters, digits, dashes)' },
        prefix: { type: 'string', description: 'ticket identifier prefix, e.g. DEMO for DEMO-1' },
        description: { type: 'string', description: 'what the project is about' },
      },
      examples: ['openase project create Demo', 'openase project create "Web Shop" --prefix SHOP --json'],
      check: (args) => requirePositional(args, 0, 'project NAME'),
      call: (api, args, _io, name) =>
        api.projects.create.mutate({
          name,
          slug: stringOption(args.values.slug),
          ticketPrefix: stringOption(args.values.prefix),
          description: stringOption(args.values.description),
        }),
      print(io, project) {
        io.out(`created project ${project.name} (slug ${project.slug}, tickets ${project.ticketPrefix}-N)`);
      },
    }),
    callCommand({
      name: 'list',
      summary: 'list projects',
      args: [],
      usage: '[--json]',
      call: (api) => api.projects.list.query(),
      print(io, projects) {
        printTable(
          io,
          ['SLUG', 'PREFIX', 'NAME', 'TICKETS'],
          projects.map((p) => [p.slug, p.ticketPrefix, p.name, p.ticketSeq]),
          'no projects yet; create one with `openase project create NAME`',
        );
      },
    }),
    callCommand({
      name: 'show',
      summary: 'show a project with its statuses and repositories',
      args: ['PROJECT'],
      usage: '[--json]',
      call: (api, args) => api.projects.get.query({ project: requirePositional(args, 0, 'PROJECT') }),
      print(io, project) {
        printFields(io, [
          ['name', project.name],
          ['slug', project.slug],
          ['prefix', project.ticketPrefix],
          ['max concurrent runs', project.maxConcurrentRuns ?? 'no limit'],
          ['statuses', project.statuses.map((s) => `${s.name} (${s.stage})`).join(', ')],
          ['repositories', project.repositories.map((r) => `${r.name} ${r.url}`).join(', ') || '(none)'],
        ]);
      },
    }),
    callCommand({
      name: 'update',
      summary: "change a project's name, description or concurrent-run limit",
      args: ['PROJECT'],
      usage: '[--name N] [--description D] [--max-concurrent-runs N|none] [--json]',
      options: {
        name: { type: 'string', description: 'new name (the slug and ticket prefix stay)' },
        description: { type: 'string', description: 'new description' },
        'max-concurrent-runs': {
          type: 'string',
          value: 'N|none',
          description: "at most N of the project's agent runs at once; none = no limit",
        },
      },
      call: (api, args) =>
        api.projects.update.mutate({
          project: requirePositional(args, 0, 'PROJECT'),
          name: stringOption(args.values.name),
          description: stringOption(args.values.description),
          maxConcurrentRuns: limitOption(args, 'max-concurrent-runs'),
        }),
      print(io, project) {
        io.out(
          `project ${project.slug}: ${project.maxConcurrentRuns === null ? 'no limit on concurrent runs' : `at most ${project.maxConcurrentRuns} concurrent run(s)`}`,
        );
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete a project and everything in it (admins; refused while agents work in it)',
      args: ['PROJECT'],
      usage: '--confirm SLUG [--json]',
      options: {
        confirm: { type: 'string', value: 'SLUG', description: "the project's slug again, to confirm" },
      },
      examples: ['openase project delete demo --confirm demo'],
      call: (api, args) =>
        api.projects.delete.mutate({
          project: requirePositional(args, 0, 'PROJECT'),
          confirm: requireOption(args, 'confirm'),
        }),
      print(io, result) {
        io.out(`deleted project ${result.deleted} and its ${result.tickets} ticket(s)`);
      },
    }),
    callCommand({
      name: 'insights',
      summary: 'a project day by day: tickets done, their median cycle time, agent runs and their cost',
      args: ['PROJECT'],
      usage: '[--days N] [--json]',
      options: {
        days: { type: 'string', value: 'N', description: 'days back, today included (default 14, at most 90)' },
      },
      call: (api, args) =>
        api.projects.insights.query({
          project: requirePositional(args, 0, 'PROJECT'),
          days: positiveIntOption(args, 'days'),
        }),
      print(io, facts) {
        printTable(
          io,
          ['DAY (UTC)', 'DONE', 'MEDIAN CYCLE', 'RUNS OK', 'RUNS FAILED', 'COST'],
          perDay(facts).map((d) => [
            d.day,
            d.done,
            d.cycleHours === null ? '' : `${d.cycleHours.toFixed(1)} h`,
            d.succeeded,
            d.failed,
            `$${d.costUsd.toFixed(2)}`,
          ]),
        );
      },
    }),
    resultCommand({
      name: 'activity',
      summary: "a project's activity, oldest first: who did what (--ticket: one ticket's)",
      args: ['PROJECT'],
      usage: `[--ticket T] ${PAGE_USAGE} [--json]`,
      options: { ticket: { type: 'string', value: 'T', description: "only this ticket's activity" }, ...PAGE_OPTIONS },
      result(args, io) {
        const api = apiClientFromEnv(io.env);
        const filter = { project: requirePositional(args, 0, 'PROJECT'), ticket: stringOption(args.values.ticket) };
        return readPages(args, (at) => api.activity.list.query({ ...filter, ...at }));
      },
      print(io, page) {
        printTable(
          io,
          ['WHEN (UTC)', 'WHO', 'WHAT'],
          page.items.map((e) => [utcMinute(e.createdAt), e.actorName, e.summary]),
          'no activity yet',
        );
        printMore(io, page);
      },
    }),
    mergeSettingsCommand,
    githubCommand,
    githubIssuesCommand,
  ],
};
