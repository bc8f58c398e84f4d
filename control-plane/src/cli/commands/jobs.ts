import fs from 'node:fs';
import {
  JOB_CATCH_UP_POLICIES,
  JOB_FIRE_TRIGGER_WORDS,
  badRequest,
  formatJobTime,
  jobCatchUpSchema,
  type JobCatchUp,
} from '@openase/shared';
import {
  JSON_OPTION,
  UsageError,
  requirePositional,
  stringOption,
  type GroupBody,
  type ParsedArgs,
} from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printFields, printJson, printTable } from '../output.js';
import { parseTemplateFile } from '../../jobs/template-file.js';
import {
  deleteInProject,
  onOffInProject,
  positiveIntOption,
  projectAndName,
  projectOf,
  PROJECT_OPTION,
} from './definitions-common.js';
import { callCommand } from '../call-command.js';

const SCHEDULE_OPTIONS = {
  cron: {
    type: 'string' as const,
    value: 'EXPR',
    description: 'cron expression, 5 fields (or 6 with seconds first), e.g. "0 9 * * 1-5"',
  },
  tz: {
    type: 'string' as const,
    value: 'ZONE',
    description: 'IANA time zone the cron is evaluated in (default UTC), e.g. Europe/Berlin',
  },
  template: {
    type: 'string' as const,
    value: 'FILE',
    description:
      'ticket template: Markdown with front matter (title, status, priority, labels, workflow); body = description',
  },
  'catch-up': {
    type: 'string' as const,
    value: 'POLICY',
    description: `after downtime: ${JOB_CATCH_UP_POLICIES.join(' or ')} (skip = drop missed times, once = one ticket for them)`,
  },
};
const TEMPLATE_HELP = `The template file (see docs/jobs.md):
  ---
  title: Standup notes {{date}}
  status: Todo
  priority: medium
  labels: [ops]
  ---
  Notes for {{weekday}}, {{date:D MMMM YYYY}}.
Placeholders: {{date}} {{time}} {{datetime}} {{weekday}} {{week}} {{month}} {{year}} {{timezone}} {{job}}
and {{date:FORMAT}} with YYYY YY MMMM MMM MM M DD D dddd ddd HH H mm ss WW. Anything else is refused.`;

function readTemplate(file: string) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseTemplateFile(text);
  } catch (err) {
    throw badRequest(`${file}: ${(err as Error).message}`);
  }
}

function catchUpOf(args: ParsedArgs): JobCatchUp | undefined {
  const raw = stringOption(args.values['catch-up']);
  if (raw === undefined) return undefined;
  const parsed = jobCatchUpSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--catch-up must be ${JOB_CATCH_UP_POLICIES.join(' or ')}, got "${raw}"`);
  return parsed.data;
}

const when = (at: Date | string | null, tz: string) => (at ? formatJobTime(at, tz) : '-');

function requireCron(args: ParsedArgs): string {
  const cron = stringOption(args.values.cron);
  if (!cron) throw new UsageError('--cron is required, e.g. --cron "0 9 * * 1-5"');
  return cron;
}

const templateOf = (args: ParsedArgs) => {
  const file = stringOption(args.values.template);
  return file ? readTemplate(file) : undefined;
};

export const jobCommands: GroupBody = {
  commands: [
    {
      name: 'create',
      summary: 'create a scheduled job (cron, time zone and template are checked before saving)',
      args: ['NAME'],
      usage: '--project P --cron EXPR [--tz ZONE] --template FILE [--catch-up skip|once] [--disabled] [--json]',
      details: TEMPLATE_HELP,
      options: {
        ...PROJECT_OPTION,
        ...SCHEDULE_OPTIONS,
        disabled: { type: 'boolean', description: 'create it disabled' },
        ...JSON_OPTION,
      },
      examples: [
        'openase job create standup --project demo --cron "0 9 * * 1-5" --tz Europe/Berlin --template standup.md',
      ],
      async run(args, io) {
        const cron = requireCron(args);
        const file = stringOption(args.values.template);
        if (!file) throw new UsageError('--template FILE is required');
        const job = await apiClientFromEnv(io.env).jobs.create.mutate({
          project: projectOf(args, io.env),
          name: requirePositional(args, 0, 'job NAME'),
          cron,
          timeZone: stringOption(args.values.tz) ?? 'UTC',
          template: readTemplate(file),
          catchUp: catchUpOf(args),
          enabled: !args.values.disabled,
        });
        if (args.values.json) return printJson(io, job);
        io.out(
          `created job ${job.name} (${job.cron}, ${job.timeZone}); ${job.nextFireAt ? `next fire ${when(job.nextFireAt, job.timeZone)}` : 'disabled'}`,
        );
      },
    },
    {
      name: 'update',
      summary: "change a job's schedule, time zone, template or catch-up policy",
      args: ['NAME'],
      usage: '--project P [--cron EXPR] [--tz ZONE] [--template FILE] [--catch-up skip|once] [--rename NEW] [--json]',
      details: TEMPLATE_HELP,
      options: {
        ...PROJECT_OPTION,
        ...SCHEDULE_OPTIONS,
        rename: { type: 'string', value: 'NEW', description: 'new name' },
        ...JSON_OPTION,
      },
      async run(args, io) {
        const job = await apiClientFromEnv(io.env).jobs.update.mutate({
          ...projectAndName(args, io.env, 'job'),
          name: stringOption(args.values.rename),
          cron: stringOption(args.values.cron),
          timeZone: stringOption(args.values.tz),
          template: templateOf(args),
          catchUp: catchUpOf(args),
        });
        if (args.values.json) return printJson(io, job);
        io.out(
          `updated job ${job.name} (${job.cron}, ${job.timeZone})${job.nextFireAt ? `; next fire ${when(job.nextFireAt, job.timeZone)}` : ''}`,
        );
      },
    },
    callCommand({
      name: 'list',
      summary: "list a project's scheduled jobs with their next fire times",
      args: [],
      usage: '--project P [--json]',
      options: PROJECT_OPTION,
      call: (api, args, io) => api.jobs.list.query({ project: projectOf(args, io.env) }),
      print(io, jobs) {
        printTable(
          io,
          ['NAME', 'CRON', 'TIME ZONE', 'ENABLED', 'CATCH-UP', 'NEXT FIRE', 'LAST FIRE'],
          jobs.map((j) => [
            j.name,
            j.cron,
            j.timeZone,
            j.enabled ? 'yes' : 'no',
            j.catchUp,
            when(j.nextFireAt, j.timeZone),
            when(j.lastFireAt, j.timeZone),
          ]),
          '(no scheduled jobs; create one with `openase job create`)',
        );
      },
    }),
    callCommand({
      name: 'show',
      summary: 'show a job, its next fire times and its recent fires',
      args: ['NAME'],
      usage: '--project P [--next N] [--fires N] [--json]',
      options: {
        ...PROJECT_OPTION,
        next: { type: 'string', value: 'N', description: 'how many coming fire times (default 5)' },
        fires: { type: 'string', value: 'N', description: 'how many recent fires (default 20)' },
      },
      call: (api, args, io) =>
        api.jobs.show.query({
          ...projectAndName(args, io.env, 'job'),
          nextCount: positiveIntOption(args, 'next'),
          fireLimit: positiveIntOption(args, 'fires'),
        }),
      print(io, shown) {
        const { job, upcoming, fires } = shown;
        const template = job.template as {
          title: string;
          status?: string;
          priority: string;
          labels: string[];
          workflow?: string;
        };
        printFields(io, [
          ['name', job.name],
          ['schedule', `${job.cron} (${job.timeZone})`],
          ['enabled', job.enabled ? 'yes' : 'no'],
          ['catch-up', job.catchUp],
          ['title', template.title],
          ['status', template.status ?? '(project default)'],
          ['priority', template.priority],
          ['labels', template.labels.join(', ')],
          ['workflow', template.workflow ?? ''],
        ]);
        io.out('');
        io.out('Next fires:');
        if (upcoming.length === 0) io.out('  (none: the job is disabled)');
        for (const at of upcoming) io.out(`  ${when(at, job.timeZone)}`);
        io.out('');
        io.out('Recent fires:');
        printTable(
          io,
          ['FIRED AT', 'SCHEDULED FOR', 'TRIGGER', 'RESULT'],
          fires.map((f) => [
            when(f.firedAt, job.timeZone),
            when(f.scheduledFor, job.timeZone),
            JOB_FIRE_TRIGGER_WORDS[f.trigger as keyof typeof JOB_FIRE_TRIGGER_WORDS] ?? f.trigger,
            f.error ? `error: ${f.error}` : (f.ticketIdentifier ?? '(ticket deleted)'),
          ]),
          '  (none yet)',
        );
      },
    }),
    callCommand({
      name: 'preview',
      summary: 'the next fire times of a schedule, and the title of the first ticket a template makes (saves nothing)',
      args: [],
      usage: '--project P --cron EXPR [--tz ZONE] [--template FILE] [--count N] [--json]',
      details: TEMPLATE_HELP,
      options: {
        ...PROJECT_OPTION,
        cron: SCHEDULE_OPTIONS.cron,
        tz: SCHEDULE_OPTIONS.tz,
        template: SCHEDULE_OPTIONS.template,
        count: { type: 'string', value: 'N', description: 'how many fire times (default 5, at most 50)' },
      },
      examples: ['openase job preview --project demo --cron "0 9 * * 1-5" --tz Europe/Berlin --template standup.md'],
      check: requireCron,
      call: (api, args, io, cron) =>
        api.jobs.preview.query({
          project: projectOf(args, io.env),
          cron,
          timeZone: stringOption(args.values.tz),
          template: templateOf(args),
          count: positiveIntOption(args, 'count'),
        }),
      print(io, preview, args) {
        if (preview.firstTitle) io.out(`first ticket: ${preview.firstTitle}`);
        io.out('Next fires:');
        for (const at of preview.upcoming) io.out(`  ${when(at, stringOption(args.values.tz) ?? 'UTC')}`);
      },
    }),
    ...onOffInProject('job', {
      on: {
        name: 'enable',
        summary: 'enable a job (it fires from the next scheduled time; nothing missed is caught up)',
      },
      off: { name: 'disable', summary: 'disable a job (it stops firing)' },
      set: (api, named, enabled) => api.jobs.setEnabled.mutate({ ...named, enabled }),
      print(io, job, enabled) {
        io.out(
          `${enabled ? 'enabled' : 'disabled'} ${job.name}${job.nextFireAt ? `; next fire ${when(job.nextFireAt, job.timeZone)}` : ''}`,
        );
      },
    }),
    callCommand({
      name: 'run-now',
      summary: 'fire a job now, whatever its schedule (also when disabled)',
      args: ['NAME'],
      usage: '--project P [--json]',
      options: PROJECT_OPTION,
      call: (api, args, io) => api.jobs.runNow.mutate(projectAndName(args, io.env, 'job')),
      print(io, outcome, args) {
        const name = args.positionals[0];
        if (outcome.kind === 'fired') {
          io.out(`created ${outcome.ticket.identifier}`);
          return 0;
        }
        // What failed, and where to fix it: the template names something the project no longer has.
        io.err(
          outcome.kind === 'failed'
            ? `openase job run-now: the fire failed (recorded in \`openase job show ${name}\`): ${outcome.error}; ` +
                `fix the template and save it with \`openase job update ${name} --template FILE\``
            : 'openase job run-now: the fire failed: it was already fired',
        );
        return 1;
      },
    }),
    deleteInProject('job', 'delete a job and its fire history (tickets it created stay)', (api) => api.jobs.delete),
  ],
};
