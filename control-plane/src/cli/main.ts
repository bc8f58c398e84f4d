/**
 * `openase`: one binary for the server (`serve`) and every client command.
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage.
 */
import {
  commandHelp,
  groupHelp,
  parseCommandArgs,
  UsageError,
  type Command,
  type CommandGroup,
  type CommandIo,
} from './command.js';
import { describeApiError } from './client.js';
import { projectCommands, repoCommands } from './commands/projects.js';
import { statusCommands } from './commands/statuses.js';
import { ticketCommands } from './commands/tickets.js';
import { authCommands, loginCommand, tokenCommands } from './commands/access.js';
import { serveCommand } from './commands/serve.js';
import { backupCommand, dbCommands } from './commands/db.js';
import { machineCommands } from './commands/machines.js';
import { runCommands } from './commands/runs.js';
import { agentCommands } from './commands/agents.js';
import { workflowCommands } from './commands/workflows.js';
import { skillCommands } from './commands/skills.js';
import { jobCommands } from './commands/jobs.js';
import { chatCommands } from './commands/chat.js';
import { auditCommands, memberCommands } from './commands/people.js';
import { VERSION } from '../version.js';
import { isOpenaseError } from '@openase/shared';

const groups: CommandGroup[] = [
  projectCommands,
  repoCommands,
  statusCommands,
  ticketCommands,
  machineCommands,
  runCommands,
  agentCommands,
  workflowCommands,
  skillCommands,
  jobCommands,
  chatCommands,
  memberCommands,
  tokenCommands,
  authCommands,
  auditCommands,
  dbCommands,
];
const topLevel: Command[] = [serveCommand, loginCommand, backupCommand];

function mainHelp(): string {
  const rows: Array<[string, string]> = [
    ...topLevel.map((c): [string, string] => [c.name, c.summary]),
    ...groups.map((g): [string, string] => [g.name, g.summary]),
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `openase ${VERSION}: turn tickets into working code.`,
    '',
    'Usage: openase <command> [options]',
    '',
    'Commands:',
    ...rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    '',
    'Every command takes --help; listing and show commands take --json.',
    'The CLI uses OPENASE_URL/OPENASE_TOKEN, or the credentials file in OPENASE_HOME (default ~/.openase).',
  ].join('\n');
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.out(mainHelp());
    return first ? 0 : 2;
  }
  if (first === '--version' || first === 'version') {
    io.out(VERSION);
    return 0;
  }
  let command: Command | undefined = topLevel.find((c) => c.name === first);
  let commandArgs = argv.slice(1);
  let label = first;
  if (!command) {
    const group = groups.find((g) => g.name === first);
    if (!group) {
      io.err(`openase: unknown command "${first}"; run \`openase --help\` for the list`);
      return 2;
    }
    const runsDefault =
      group.default !== undefined &&
      second !== undefined &&
      second.startsWith('-') &&
      second !== '--help' &&
      second !== '-h';
    if (!runsDefault && (!second || second === '--help' || second === '-h')) {
      io.out(groupHelp(group));
      return second ? 0 : 2;
    }
    command = group.commands.find((c) => c.name === (runsDefault ? group.default : second));
    if (!command) {
      io.err(`openase: unknown command "${first} ${second}"; run \`openase ${first} --help\` for the list`);
      return 2;
    }
    commandArgs = runsDefault ? argv.slice(1) : rest;
    label = runsDefault ? first : `${first} ${second}`;
  }
  try {
    const args = parseCommandArgs(command, commandArgs);
    if (args.values.help) {
      io.out(commandHelp(label, command));
      return 0;
    }
    return (await command.run(args, io)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`openase ${label}: ${err.message} (see \`openase ${label} --help\`)`);
      return 2;
    }
    if (isOpenaseError(err)) {
      io.err(`openase ${label}: ${err.message}`);
      return 1;
    }
    const failure = describeApiError(err, io.env);
    io.err(`openase ${label}: ${failure.message}`);
    if (io.env.OPENASE_DEBUG && err instanceof Error) io.err(err.stack ?? '');
    return 1;
  }
}
