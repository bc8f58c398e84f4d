/**
 * The one help generator and usage error of both command-line programs: `openase` (control-plane/src/cli,
 * the person's and the agent's, whose command framework is control-plane/src/cli/command.ts) and
 * `openase-agent` (agent-daemon/src/main.ts). Every command declares its options with descriptions and its
 * positional arguments (`args`), so `--help` is generated and always matches what is accepted, and more arguments
 * than declared are refused. Node only: imported as `@openase/shared/cli`, never from the browser.
 */
import { parseArgs } from 'node:util';
import { checkArgCount, nearestName, usageLine, UsageError } from './args.js';

export {
  checkArgCount,
  editDistance,
  nearestName,
  parseArgSpec,
  unknownCommand,
  usageLine,
  UsageError,
  type ArgSpec,
  type TakesArgs,
} from './args.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help as `--name VALUE`. */
  value?: string;
}

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Text without a newline (streamed replies); falls back to `out`. */
  write?(text: string): void;
  /** Interactive commands read lines from here (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /**
   * The positional arguments, in order, as help shows them (shared/src/cli/args.ts): `TICKET`, `[TICKET]`, `ID…`,
   * `[ID…]`, `-- COMMAND…`; `[]` for none. More than these is a usage error before the command runs.
   */
  args: readonly string[];
  /**
   * The usage line after the command and its arguments, e.g. `--project P [--status S] [--json]` (the framework
   * writes `openase ticket list` and the arguments before it).
   */
  usage?: string;
  options?: Record<string, OptionSpec>;
  details?: string;
  examples?: string[];
  run(args: ParsedArgs, io: CommandIo): Promise<number | void>;
}

/**
 * The options and arguments `argv` gives `command`: an unknown option, an option without its value or more
 * arguments than the command declares is a UsageError (none is checked when --help is asked for).
 */
export function parseCommandArgs(command: Pick<Command, 'options' | 'args'>, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ParsedArgs;
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    parsed = { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new UsageError(argsProblem((err as Error).message, Object.keys(options)));
  }
  if (!parsed.values.help) checkArgCount(command, parsed.positionals);
  return parsed;
}

/** node:util parseArgs' complaints in the CLI's words (its own advice is about its syntax, not ours). */
function argsProblem(message: string, known: string[]): string {
  const option = /^Option '(-[^' ]+)/.exec(message)?.[1];
  if (option && /argument is ambiguous/.test(message))
    return `${option} needs a value; a value that starts with a dash is written ${option}=-…`;
  if (option && /argument missing/.test(message)) return `${option} needs a value`;
  if (option && /does not take an argument/.test(message)) return `${option} takes no value`;
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown) {
    const near = unknown.startsWith('--') ? nearestName(unknown.slice(2).split('=')[0]!, known) : undefined;
    return `there is no option ${unknown}${near ? `; did you mean --${near}?` : ''}`;
  }
  return message;
}

/** What `commandHelp` reads of a command (the daemon's commands have no `run` of this shape). */
export type HelpOf = Pick<Command, 'summary' | 'args' | 'usage' | 'options' | 'details' | 'examples'>;

/** A command's --help; `prefix` is how it is run (`openase ticket move`), its usage line made from its `args`. */
export function commandHelp(command: HelpOf, prefix: string): string {
  const lines = [`${command.summary}`, '', `Usage: ${usageLine(prefix, command)}`];
  if (command.details) lines.push('', command.details);
  const opts = Object.entries(command.options ?? {});
  const rows = opts.map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? name.toUpperCase()}` : ''}`,
    spec.description + (spec.multiple ? ' (repeatable)' : ''),
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map((r) => r[0]!.length));
  lines.push('', 'Options:', ...rows.map(([flag, text]) => `  ${flag!.padEnd(width)}  ${text}`));
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The help of a program or a group: an intro, a usage line, lists of commands (aligned together), a footer. */
export function commandListHelp(help: {
  intro: string;
  usage: string;
  sections: Array<{ title: string; rows: Array<[name: string, summary: string]> }>;
  footer: string[];
}): string {
  const width = Math.max(...help.sections.flatMap((s) => s.rows.map((r) => r[0].length)));
  const lines = [help.intro, '', `Usage: ${help.usage}`];
  for (const s of help.sections)
    if (s.rows.length) lines.push('', `${s.title}:`, ...s.rows.map(([n, text]) => `  ${n.padEnd(width)}  ${text}`));
  return [...lines, '', ...help.footer].join('\n');
}
