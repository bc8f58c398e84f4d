import fs from 'node:fs';
import { TRPCClientError } from '@trpc/client';
import { WORKFLOW_TEMPLATES, type WorkflowTemplate } from '@openase/shared';
import {
  JSON_OPTION,
  UsageError,
  requireOption,
  requirePositional,
  stringOption,
  type GroupBody,
  type CommandIo,
} from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printFields, printJson, printTable } from '../output.js';
import type { Problem } from '../../workflows/harness/types.js';
import {
  deleteInProject,
  positiveIntOption,
  projectAndName,
  projectOf,
  PROJECT_OPTION,
  repeated,
  projectListCommand,
  onOffInProject,
} from './definitions-common.js';
import { callCommand } from '../call-command.js';
import { warnSharedPickup } from './workflow-overlap.js';

const VERSION_OPTION = {
  version: { type: 'string' as const, value: 'N', description: 'a given version (default: the current one)' },
};

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `FILE:LINE: field: message`, one line per problem, on stderr. */
function printProblems(io: CommandIo, file: string, problems: Problem[]): void {
  for (const p of problems) io.err(`${file}:${p.line}: ${p.field}: ${p.message}`);
}

/** The problems an import or update refused with, when the server sent them. */
function problemsOf(err: unknown): Problem[] | null {
  if (!(err instanceof TRPCClientError)) return null;
  const problems = (err.data as { details?: { problems?: Problem[] } } | undefined)?.details?.problems;
  return Array.isArray(problems) ? problems : null;
}

function printSummary(
  io: CommandIo,
  w: {
    name: string;
    version: number;
    active: boolean;
    agent: { name: string } | null;
    pickup: string[];
    finish: string[];
  },
) {
  io.out(
    `${w.name} v${w.version}${w.active ? '' : ' (inactive)'}: ${w.pickup.join(', ')} → ${w.finish.join(', ')}; agent ${w.agent?.name ?? '(none)'}`,
  );
}

export const workflowCommands: GroupBody = {
  commands: [
    {
      name: 'create',
      summary: 'create workflows from a built-in template, or one workflow from a name and statuses',
      args: ['[NAME]'],
      usage: `(--template ${WORKFLOW_TEMPLATES.join('|')} | --pickup S --finish S) --project P [--agent A] [--json]`,
      details:
        'full-stack: one developer workflow, Todo → In Progress → In Review, tests gate the finish.\nhybrid-relay: four workflows Design → Backend → Frontend → Testing → In Review (missing statuses are created).\nWithout --template: a workflow NAME with a generic body; export it to edit the file.',
      options: {
        ...PROJECT_OPTION,
        template: { type: 'string', value: 'T', description: WORKFLOW_TEMPLATES.join(' | ') },
        pickup: { type: 'string', multiple: true, value: 'S', description: 'pickup status (without --template)' },
        finish: { type: 'string', multiple: true, value: 'S', description: 'finish status (without --template)' },
        agent: { type: 'string', value: 'A', description: "the agent to use (default: the project's only agent)" },
        ...JSON_OPTION,
      },
      async run(args, io) {
        const api = apiClientFromEnv(io.env);
        const template = stringOption(args.values.template);
        const agent = stringOption(args.values.agent);
        if (!template) {
          const pickup = repeated(args, 'pickup');
          const finish = repeated(args, 'finish');
          if (!pickup || !finish) throw new UsageError('give --template, or NAME with --pickup and --finish');
          const project = projectOf(args, io.env);
          const w = await api.workflows.createBlank.mutate({
            project,
            name: requirePositional(args, 0, 'workflow NAME'),
            pickup,
            finish,
            agent,
          });
          if (args.values.json) printJson(io, w);
          else printSummary(io, w);
          return warnSharedPickup(io, api, project, [w.name]);
        }
        // A template names its own workflows: a NAME given with it was dropped without a word.
        if (args.positionals.length)
          throw new UsageError('a template names its workflows itself; NAME goes with --pickup and --finish');
        if (!(WORKFLOW_TEMPLATES as readonly string[]).includes(template))
          throw new UsageError(`--template must be one of ${WORKFLOW_TEMPLATES.join(', ')}`);
        const project = projectOf(args, io.env);
        const result = await api.workflows.create.mutate({ project, template: template as WorkflowTemplate, agent });
        if (args.values.json) printJson(io, result);
        else {
          if (result.createdStatuses.length) io.out(`created statuses: ${result.createdStatuses.join(', ')}`);
          for (const w of result.workflows) printSummary(io, w);
          if (!result.agent)
            io.out('no agent set: create one (`openase agent create`) and add `agent:` to the workflows');
        }
        await warnSharedPickup(
          io,
          api,
          project,
          result.workflows.map((w) => w.name),
        );
      },
    },
    projectListCommand({
      noun: 'workflow',
      summary: "list a project's workflows",
      list: (api, project) => api.workflows.list.query({ project }),
      columns: ['NAME', 'VERSION', 'ACTIVE', 'AGENT', 'PICKUP', 'FINISH'],
      row: (w) => [
        w.name,
        w.version,
        w.active ? 'yes' : 'no',
        w.agent?.name ?? '',
        w.pickup.join(', '),
        w.finish.join(', '),
      ],
    }),
    callCommand({
      name: 'show',
      summary: 'show a workflow version: settings, skills and body',
      args: ['NAME'],
      usage: '--project P [--version N] [--json]',
      options: { ...PROJECT_OPTION, ...VERSION_OPTION },
      call: (api, args, io) =>
        api.workflows.show.query({
          ...projectAndName(args, io.env, 'workflow'),
          version: positiveIntOption(args, 'version'),
        }),
      print(io, w) {
        const h = w.harness;
        printFields(io, [
          ['name', w.name],
          ['version', `${w.version} of ${w.currentVersion}${w.isCurrent ? ' (current)' : ''}, by ${w.createdBy}`],
          ['active', w.active ? 'yes' : 'no'],
          ['agent', w.agent ? `${w.agent.name} (${w.agent.adapter})` : '(none)'],
          ['pickup', w.pickup.join(', ')],
          ['finish', w.finish.join(', ')],
          [
            'limits',
            `max_concurrent ${h.max_concurrent ?? '∞'}, max_turns ${h.max_turns}, max_attempts ${h.max_attempts}, timeout ${h.timeout_minutes} min, stall ${h.stall_timeout_minutes} min, budget ${h.budget_usd !== undefined ? `$${h.budget_usd}` : 'none'}`,
          ],
          [
            'hooks',
            Object.entries(h.hooks ?? {})
              .map(([k, v]) => `${k} (${v?.length ?? 0})`)
              .join(', '),
          ],
          [
            'skills',
            w.skills
              .map(
                (s) =>
                  `${s.name}@${s.version}${s.pinned ? ' (pinned)' : ''}${s.autoBound ? ' (auto)' : ''}${s.enabled ? '' : ' (disabled)'}`,
              )
              .join(', '),
          ],
        ]);
        io.out('');
        io.out(w.body ?? '');
      },
    }),
    {
      name: 'import',
      summary: 'import a harness file: a new workflow, or a new version of the one its name: names',
      args: ['FILE'],
      usage: '--project P [--workflow NAME] [--json]',
      options: {
        ...PROJECT_OPTION,
        workflow: {
          type: 'string',
          value: 'NAME',
          description: "only a new version of this workflow: refused if the file's name: is another",
        },
        ...JSON_OPTION,
      },
      async run(args, io) {
        const file = requirePositional(args, 0, 'harness FILE');
        const input = { project: projectOf(args, io.env), source: readFile(file) };
        const workflow = stringOption(args.values.workflow);
        const api = apiClientFromEnv(io.env);
        try {
          const w = await (workflow
            ? api.workflows.update.mutate({ ...input, workflow })
            : api.workflows.import.mutate(input));
          if (args.values.json) printJson(io, w);
          else
            io.out(
              w.created
                ? `created workflow ${w.name} (version 1)`
                : w.changed
                  ? `saved ${w.name} version ${w.version}`
                  : `${w.name} is unchanged (version ${w.version})`,
            );
          if (w.created || w.changed) await warnSharedPickup(io, api, input.project, [w.name]);
        } catch (err) {
          const problems = problemsOf(err);
          if (!problems) throw err;
          printProblems(io, file, problems);
          io.err(`openase workflow import: refused: ${problems.length} problem(s); nothing was changed`);
          return 1;
        }
      },
    },
    {
      name: 'export',
      summary: 'print (or write) the exact file text of a workflow version',
      args: ['NAME'],
      usage: '--project P [--version N] [--output FILE]',
      options: {
        ...PROJECT_OPTION,
        ...VERSION_OPTION,
        output: { type: 'string', short: 'o', value: 'FILE', description: 'write to FILE instead of standard output' },
      },
      async run(args, io) {
        const exported = await apiClientFromEnv(io.env).workflows.export.query({
          ...projectAndName(args, io.env, 'workflow'),
          version: positiveIntOption(args, 'version'),
        });
        const output = stringOption(args.values.output);
        if (output) {
          fs.writeFileSync(output, exported.source);
          io.err(`wrote ${exported.name} version ${exported.version} to ${output}`);
        } else process.stdout.write(exported.source);
      },
    },
    {
      name: 'validate',
      summary: 'check a harness file and print every problem as FILE:LINE: field: message',
      args: ['FILE'],
      usage: '[--project P] [--json]',
      details:
        'Without --project only the file itself is checked (offline). With --project, statuses, agent and skills are checked against that project too.\nExit code 1 when there are problems.',
      options: {
        project: { type: 'string', value: 'P', description: 'also check against this project' },
        ...JSON_OPTION,
      },
      async run(args, io) {
        const file = requirePositional(args, 0, 'harness FILE');
        const source = readFile(file);
        const project = stringOption(args.values.project);
        const problems = project
          ? (await apiClientFromEnv(io.env).workflows.validate.mutate({ project, source })).problems
          : // Loaded here: the harness parser (liquid, yaml) stays out of every other command's start.
            (await import('../../workflows/harness/parse.js')).parseHarness(source).problems;
        if (args.values.json) printJson(io, { file, valid: problems.length === 0, problems });
        else if (problems.length === 0) io.out(`${file}: ok`);
        else printProblems(io, file, problems);
        return problems.length ? 1 : 0;
      },
    },
    callCommand({
      name: 'render',
      summary: 'print the prompt a run of the workflow would get for a ticket',
      args: ['NAME'],
      usage: '--ticket ID [--project P] [--version N] [--machine M] [--json]',
      options: {
        project: { type: 'string', value: 'P', description: "default: the ticket's project" },
        ticket: { type: 'string', value: 'ID', description: 'the ticket, e.g. DEMO-42' },
        machine: { type: 'string', value: 'M', description: 'render as if placed on this machine' },
        ...VERSION_OPTION,
      },
      call: (api, args, io) =>
        api.workflows.render.query({
          project: stringOption(args.values.project) ?? (io.env.OPENASE_PROJECT || undefined),
          workflow: requirePositional(args, 0, 'workflow NAME'),
          ticket: requireOption(args, 'ticket'),
          version: positiveIntOption(args, 'version'),
          machine: stringOption(args.values.machine),
        }),
      print(io, result) {
        process.stdout.write(result.prompt);
      },
    }),
    callCommand({
      name: 'reference',
      summary: "what a harness file may use: prompt variables, hooks, defaults, agents' scopes, templates",
      args: [],
      usage: '[--json]',
      call: (api) => api.workflows.reference.query(),
      print(io, ref) {
        const list = (title: string, entries: Record<string, unknown>, mark = (_key: string) => '') => {
          io.out(title);
          for (const [key, value] of Object.entries(entries)) io.out(`  ${(key + mark(key)).padEnd(28)} ${value}`);
        };
        list('Prompt variables ({{ name }} in the body):', ref.variables);
        list(`Hooks (${ref.hooks.join(', ')}), unless a hook says otherwise:`, ref.hookDefaults);
        list('Front matter defaults:', ref.defaults);
        const granted = ref.defaultScopes as readonly string[];
        list("Scopes of an agent's token (* = granted by default):", ref.scopes, (k) =>
          granted.includes(k) ? ' *' : '',
        );
        io.out(`Templates (openase workflow create --template T): ${ref.templates.join(', ')}`);
      },
    }),
    callCommand({
      name: 'versions',
      summary: 'list the versions of a workflow',
      args: ['NAME'],
      usage: '--project P [--json]',
      options: PROJECT_OPTION,
      call: (api, args, io) => api.workflows.versions.query(projectAndName(args, io.env, 'workflow')),
      print(io, versions) {
        printTable(
          io,
          ['VERSION', 'CURRENT', 'BY', 'AT', 'BYTES'],
          versions.map((v) => [
            v.version,
            v.current ? '*' : '',
            v.createdBy,
            new Date(v.createdAt).toISOString(),
            Buffer.byteLength(v.source),
          ]),
        );
      },
    }),
    ...onOffInProject('workflow', {
      on: { name: 'activate', summary: 'let the workflow pick up tickets (saves a new version)' },
      off: { name: 'deactivate', summary: 'stop the workflow from picking up tickets (saves a new version)' },
      async set(api, named, active, io) {
        const w = await api.workflows.setActive.mutate({ ...named, active });
        // Activated next to another active workflow picking up one of its statuses: said, as on create and import.
        if (active && w.changed) await warnSharedPickup(io, api, named.project, [w.name]);
        return w;
      },
      print(io, w, active) {
        io.out(
          `${w.name} is ${active ? 'active' : 'inactive'}${w.changed ? ` (version ${w.version})` : ' (unchanged)'}`,
        );
      },
    }),
    deleteInProject(
      'workflow',
      'delete a workflow and its versions (refused while it has active runs)',
      (api) => api.workflows.delete,
    ),
  ],
};
