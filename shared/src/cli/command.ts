/**
 * The one help generator and usage error of both command-line programs: `openase` (control-plane/src/cli,
 * the person's and the agent's, whose command framework is control-plane/src/cli/command.ts) and
 * `openase-agent` (agent-daemon/src/main.ts). Every command declares its options with descriptions, so
 * `--help` is generated and always matches what is accepted. Node only: imported as `@openase/shared/cli`,
 * never from the browser.
 */
import { parseArgs } from 'node:util';

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
  /** e.g. `openase ticket create --project P --title T` */
  usage: string;
  options?: Record<string, OptionSpec>;
  /** Names for positionals in help; the command validates their count itself. */
  details?: string;
  examples?: string[];
  run(args: ParsedArgs, io: CommandIo): Promise<number | void>;
}

/** Thrown for bad usage: printed as one line with a hint to --help, exit code 2. */
export class UsageError extends Error {}

export function parseCommandArgs(command: Pick<Command, 'options'>, argv: string[]): ParsedArgs {
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
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new UsageError(argsProblem((err as Error).message));
  }
}

/** node:util parseArgs' complaints in the CLI's words (its own advice is about its syntax, not ours). */
function argsProblem(message: string): string {
  const option = /^Option '(-[^' ]+)/.exec(message)?.[1];
  if (option && /argument is ambiguous/.test(message))
    return `${option} needs a value; a value that starts with a dash is written ${option}=-…`;
  if (option && /argument missing/.test(message)) return `${option} needs a value`;
  if (option && /does not take an argument/.test(message)) return `${option} takes no value`;
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown) return `there is no option ${unknown}`;
  return message;
}

/** What `commandHelp` reads of a command (the daemon's commands have no `run` of this shape). */
export type HelpOf = Pick<Command, 'summary' | 'usage' | 'options' | 'details' | 'examples'>;

export function commandHelp(command: HelpOf): string {
  const lines = [`${command.summary}`, '', `Usage: ${command.usage}`];
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
