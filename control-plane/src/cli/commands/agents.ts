import fs from 'node:fs';
import { AGENT_ADAPTERS, agentAdapterSchema, type AgentAdapter } from '@openase/shared';
import {
  JSON_OPTION,
  UsageError,
  listOption,
  requirePositional,
  stringOption,
  type GroupBody,
  type CommandIo,
  type OptionSpec,
  type ParsedArgs,
} from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printFields, printJson } from '../output.js';
import {
  deleteInProject,
  keyValues,
  numberOption,
  positiveIntOption,
  projectAndName,
  projectOf,
  PROJECT_OPTION,
  repeated,
  projectListCommand,
} from './definitions-common.js';
import { callCommand } from '../call-command.js';

const AGENT_OPTIONS: Record<string, OptionSpec> = {
  ...PROJECT_OPTION,
  adapter: { type: 'string', value: 'A', description: `one of ${AGENT_ADAPTERS.join('|')}` },
  command: {
    type: 'string',
    value: 'PATH',
    description: "the CLI to run (default: the adapter's CLI name on PATH: claude, codex, gemini)",
  },
  arg: { type: 'string', multiple: true, value: 'ARG', description: 'extra argument for the CLI' },
  model: { type: 'string', value: 'M', description: "model name (default: the adapter's default model)" },
  env: { type: 'string', multiple: true, value: 'KEY=VALUE', description: 'plain environment variable' },
  secret: {
    type: 'string',
    multiple: true,
    value: 'KEY=VALUE',
    description: 'secret environment variable, stored encrypted and never shown',
  },
  'secret-stdin': {
    type: 'string',
    value: 'KEY',
    description: 'read the value of secret KEY from standard input (keeps it out of shell history)',
  },
  mcp: {
    type: 'string',
    multiple: true,
    value: 'NAME=JSON',
    description:
      'an MCP server for every run, e.g. tracker=\'{"command":"tracker-mcp","env":{"TOKEN":"${TRACKER_TOKEN}"}}\' ' +
      "(${NAME}: the agent's env or secret, filled in only at the run); on update, replaces them all",
  },
  'max-parallel': { type: 'string', value: 'N', description: 'at most N runs of this agent at once' },
  label: {
    type: 'string',
    multiple: true,
    value: 'L',
    description: 'machine label a machine must have to run this agent',
  },
  'price-input': {
    type: 'string',
    value: 'USD',
    description: 'USD per million input tokens (default: list price of the model)',
  },
  'price-output': { type: 'string', value: 'USD', description: 'USD per million output tokens' },
  'price-cached': { type: 'string', value: 'USD', description: 'USD per million cached input tokens' },
};

/** `--mcp NAME=JSON`, repeated: the agent's MCP servers (the server checks each one's shape). */
function mcpOption(args: ParsedArgs): Record<string, never> | undefined {
  const raw = keyValues(args, 'mcp');
  if (!raw) return undefined;
  return Object.fromEntries(
    Object.entries(raw).map(([name, json]) => {
      try {
        return [name, JSON.parse(json) as never];
      } catch {
        throw new UsageError(`--mcp ${name}=… must be JSON, e.g. ${name}='{"command":"my-mcp","args":["--stdio"]}'`);
      }
    }),
  );
}

function adapterOption(args: ParsedArgs): AgentAdapter | undefined {
  const raw = stringOption(args.values.adapter);
  if (raw === undefined) return undefined;
  const parsed = agentAdapterSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--adapter must be one of ${AGENT_ADAPTERS.join(', ')}`);
  return parsed.data;
}

function secretsOption(args: ParsedArgs): Record<string, string> | undefined {
  const secrets = keyValues(args, 'secret');
  const fromStdin = stringOption(args.values['secret-stdin']);
  if (!fromStdin) return secrets;
  const value = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return { ...secrets, [fromStdin]: value };
}

function pricingOption(args: ParsedArgs) {
  const input = numberOption(args, 'price-input');
  const output = numberOption(args, 'price-output');
  const cached = numberOption(args, 'price-cached');
  if (input === undefined && output === undefined && cached === undefined) return undefined;
  if (input === undefined || output === undefined)
    throw new UsageError('give --price-input and --price-output together (--price-cached defaults to 0)');
  return { input, output, cached: cached ?? 0 };
}

type AgentView = Awaited<ReturnType<ReturnType<typeof apiClientFromEnv>['agents']['show']['query']>>;

function printAgent(io: CommandIo, a: AgentView) {
  printFields(io, [
    ['name', a.name],
    ['adapter', a.adapter],
    ['command', [a.command, ...a.args].join(' ')],
    ['model', a.model ?? '(CLI default)'],
    ['max parallel', a.maxParallelRuns ?? 'unlimited'],
    ['labels', a.machineLabels.join(', ')],
    ['pricing', `$${a.pricing.input} in / $${a.pricing.output} out / $${a.pricing.cached} cached per million tokens`],
    [
      'env',
      Object.keys(a.env)
        .map((k) => `${k}=${a.env[k]}`)
        .join(' '),
    ],
    ['secrets', a.secrets.map((s) => `${s.name} (set)`).join(', ')],
    ['MCP servers', Object.keys(a.mcpServers).join(', ') || 'none'],
  ]);
}

export const agentCommands: GroupBody = {
  commands: [
    {
      name: 'create',
      summary: 'create an agent',
      args: ['NAME'],
      usage: '--project P --adapter A [--command PATH] [--model M] [--env K=V] [--secret K=V] [--json]',
      options: { ...AGENT_OPTIONS, ...JSON_OPTION },
      examples: [
        'openase agent create claude --project demo --adapter claude-code --model claude-sonnet-4-5 --secret ANTHROPIC_API_KEY=sk-…',
        'printf %s "$KEY" | openase agent create codex --project demo --adapter codex --secret-stdin OPENAI_API_KEY',
      ],
      async run(args, io) {
        const adapter = adapterOption(args);
        if (!adapter) throw new UsageError('--adapter is required');
        const agent = await apiClientFromEnv(io.env).agents.create.mutate({
          project: projectOf(args, io.env),
          name: requirePositional(args, 0, 'agent NAME'),
          adapter,
          command: stringOption(args.values.command),
          args: repeated(args, 'arg'),
          model: stringOption(args.values.model),
          env: keyValues(args, 'env'),
          secrets: secretsOption(args),
          maxParallelRuns: positiveIntOption(args, 'max-parallel'),
          pricing: pricingOption(args),
          machineLabels: listOption(args.values.label),
          mcpServers: mcpOption(args),
        });
        if (args.values.json) return printJson(io, agent);
        io.out(
          `created agent ${agent.name} (${agent.adapter}, ${agent.command}${agent.model ? `, ${agent.model}` : ''})${agent.secrets.length ? `; secrets set: ${agent.secrets.map((s) => s.name).join(', ')}` : ''}`,
        );
      },
    },
    projectListCommand({
      noun: 'agent',
      summary: "list a project's agents",
      list: (api, project) => api.agents.list.query({ project }),
      columns: ['NAME', 'ADAPTER', 'COMMAND', 'MODEL', 'PARALLEL', 'SECRETS'],
      row: (a) => [
        a.name,
        a.adapter,
        a.command,
        a.model,
        a.maxParallelRuns ?? '∞',
        a.secrets.map((s) => s.name).join(','),
      ],
    }),
    callCommand({
      name: 'show',
      summary: 'show an agent (secret values are never shown, only that they are set)',
      args: ['NAME'],
      usage: '--project P [--json]',
      options: PROJECT_OPTION,
      call: (api, args, io) => api.agents.show.query(projectAndName(args, io.env, 'agent')),
      print(io, agent) {
        printAgent(io, agent);
      },
    }),
    callCommand({
      name: 'update',
      summary: 'change an agent; --secret sets or replaces a secret, --unset-secret removes one',
      args: ['NAME'],
      usage:
        '--project P [--name NEW] [--adapter A] [--command PATH] [--model M] [--env K=V] [--secret K=V] [--unset-secret K] [--json]',
      details: '--env replaces all plain env vars; --arg and --label replace their lists.',
      options: {
        ...AGENT_OPTIONS,
        name: { type: 'string', value: 'NEW', description: 'rename the agent' },
        'unset-secret': { type: 'string', multiple: true, value: 'KEY', description: 'remove a secret' },
      },
      call: (api, args, io) =>
        api.agents.update.mutate({
          ...projectAndName(args, io.env, 'agent'),
          name: stringOption(args.values.name),
          adapter: adapterOption(args),
          command: stringOption(args.values.command),
          args: repeated(args, 'arg'),
          model: stringOption(args.values.model),
          env: keyValues(args, 'env'),
          setSecrets: secretsOption(args),
          unsetSecrets: repeated(args, 'unset-secret'),
          maxParallelRuns: positiveIntOption(args, 'max-parallel'),
          pricing: pricingOption(args),
          machineLabels: listOption(args.values.label),
          mcpServers: mcpOption(args),
        }),
      print(io, agent) {
        io.out(`updated agent ${agent.name}`);
      },
    }),
    deleteInProject('agent', 'delete an agent (refused while a workflow uses it)', (api) => api.agents.delete),
  ],
};
