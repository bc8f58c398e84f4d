/**
 * Runs one `openase` program: the person's (cli/main.ts: the server and every client command) and
 * the agent's (cli/agent.ts: the same client commands, shipped inside the daemon bundle) share this
 * dispatcher, its help generator, its usage error and its exit codes — 0 success, 1 the operation
 * failed (a refused call names the missing scope), 2 bad usage.
 */
import { isOpenaseError } from '@openase/shared';
import {
  commandHelp,
  commandListHelp,
  groupHelp,
  nearestName,
  parseCommandArgs,
  unknownCommand,
  UsageError,
  type Command,
  type CommandGroup,
  type CommandIo,
  type LazyGroup,
} from './command.js';
import { describeApiError } from './client.js';

/** A short form kept for habit (`openase move "In Review"`): it rewrites argv into the full command. */
export interface Alias {
  name: string;
  summary: string;
  expand(argv: string[], env: NodeJS.ProcessEnv): string[];
}

export interface Program {
  /** The first line of `openase --help`. */
  intro: string;
  topLevel: Command[];
  groups: Array<CommandGroup | LazyGroup>;
  aliases?: Alias[];
  /** Lines after the command list. */
  footer: string[];
}

function programHelp(program: Program): string {
  return commandListHelp({
    intro: program.intro,
    usage: 'openase <command> [options]',
    sections: [
      { title: 'Commands', rows: [...program.topLevel, ...program.groups].map((c) => [c.name, c.summary]) },
      { title: 'Short forms', rows: (program.aliases ?? []).map((a) => [a.name, a.summary]) },
    ],
    footer: program.footer,
  });
}

/** A group with its commands (a lazy group's module is imported now). */
async function loaded(group: CommandGroup | LazyGroup): Promise<CommandGroup> {
  return 'load' in group ? { name: group.name, summary: group.summary, ...(await group.load()) } : group;
}

/**
 * `openase ticket list` for `openase tiket list`: the group or top-level name nearest to a mistyped first word, with
 * the group's command when the second is one (or near one).
 */
async function nearestCommand(
  program: Program,
  first: string,
  second: string | undefined,
): Promise<string | undefined> {
  const named = [...program.topLevel, ...program.groups, ...(program.aliases ?? [])].map((c) => c.name);
  // `openase review DEMO-1`: a command of one group, typed without its group (loading every group is fine here, on
  // the way to an error).
  const owners: string[] = [];
  for (const g of program.groups) if ((await loaded(g)).commands.some((c) => c.name === first)) owners.push(g.name);
  if (owners.length === 1) return `openase ${owners[0]} ${first}`;
  const near = nearestName(first, named);
  const group = program.groups.find((g) => g.name === near);
  if (!near || !group || !second || second.startsWith('-')) return near && `openase ${near}`;
  const names = (await loaded(group)).commands.map((c) => c.name);
  const command = names.includes(second) ? second : nearestName(second, names);
  return `openase ${near}${command ? ` ${command}` : ''}`;
}

/** Finds the command argv names: a top-level command, `<group> <command>`, or a group's default. */
async function resolve(
  program: Program,
  argv: string[],
): Promise<{ command: Command; args: string[]; label: string } | { help: string; code: number } | { unknown: string }> {
  const [first = '', second, ...rest] = argv;
  const top = program.topLevel.find((c) => c.name === first);
  if (top) return { command: top, args: argv.slice(1), label: first };
  const named = program.groups.find((g) => g.name === first);
  const group = named && (await loaded(named));
  if (!group)
    return {
      unknown: `openase: ${unknownCommand(first, await nearestCommand(program, first, second), 'openase --help')}`,
    };
  const isHelp = second === '--help' || second === '-h';
  const runsDefault = group.default !== undefined && second !== undefined && second.startsWith('-') && !isHelp;
  if (!runsDefault && (!second || isHelp)) return { help: groupHelp(group), code: second ? 0 : 2 };
  const command = group.commands.find((c) => c.name === (runsDefault ? group.default : second));
  if (!command) {
    const near = nearestName(
      second,
      group.commands.map((c) => c.name),
    );
    return {
      unknown: second.startsWith('-')
        ? `openase ${first}: name a command before options ("${second}" is an option); run \`openase ${first} --help\` for the list`
        : `openase: ${unknownCommand(`${first} ${second}`, near && `openase ${first} ${near}`, `openase ${first} --help`)}`,
    };
  }
  return runsDefault
    ? { command, args: argv.slice(1), label: first }
    : { command, args: rest, label: `${first} ${second}` };
}

/**
 * `openase help ticket move` and `openase ticket help move` ask for `openase ticket move --help` (and `openase help
 * ticket`, `openase ticket help` for the group's list): the words are moved, not dropped.
 */
function helpWords(program: Program, argv: string[]): string[] {
  if (argv[0] === 'help' && argv.length > 1) return [...argv.slice(1), '--help'];
  if (argv[1] === 'help' && program.groups.some((g) => g.name === argv[0]))
    return [argv[0]!, ...argv.slice(2), '--help'];
  return argv;
}

export async function runProgram(program: Program, words: string[], io: CommandIo, version: string): Promise<number> {
  const argv = helpWords(program, words);
  const first = argv[0];
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.out(programHelp(program));
    return first ? 0 : 2;
  }
  if (first === '--version' || first === 'version') {
    io.out(version);
    return 0;
  }
  const alias = program.aliases?.find((a) => a.name === first);
  let label = first;
  try {
    const found = await resolve(program, alias ? alias.expand(argv.slice(1), io.env) : argv);
    if ('unknown' in found) {
      io.err(found.unknown);
      return 2;
    }
    if ('help' in found) {
      io.out(found.help);
      return found.code;
    }
    label = alias ? first : found.label;
    const args = parseCommandArgs(found.command, found.args);
    if (args.values.help) {
      io.out(commandHelp(found.command, `openase ${found.label}`));
      return 0;
    }
    // Only a number is an exit code: \`return io.out(…)\` in a command handed its write's boolean to process.exitCode.
    const code = await found.command.run(args, io);
    return typeof code === 'number' ? code : 0;
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
