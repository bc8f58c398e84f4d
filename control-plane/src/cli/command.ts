/**
 * A tiny command framework over node:util parseArgs: every command declares its options with
 * descriptions, so `--help` is generated and always matches what is accepted.
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

export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
  /** The command `openase <group> --option…` runs when no subcommand is named (`openase chat --project P`). */
  default?: string;
}

/** Thrown for bad usage: printed as one line with a hint to --help, exit code 2. */
export class UsageError extends Error {}

export const JSON_OPTION: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print machine-readable JSON' },
};

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
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
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function commandHelp(prefix: string, command: Command): string {
  const lines = [`${command.summary}`, '', `Usage: ${command.usage}`];
  if (command.details) lines.push('', command.details);
  const opts = Object.entries(command.options ?? {});
  if (opts.length) {
    lines.push('', 'Options:');
    const rows = opts.map(([name, spec]) => [
      `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? name.toUpperCase()}` : ''}`,
      spec.description + (spec.multiple ? ' (repeatable)' : ''),
    ]);
    rows.push(['-h, --help', 'show this help']);
    const width = Math.max(...rows.map((r) => r[0]!.length));
    for (const [flag, text] of rows) lines.push(`  ${flag!.padEnd(width)}  ${text}`);
  }
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  void prefix;
  return lines.join('\n');
}

export function groupHelp(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  return [
    group.summary,
    '',
    `Usage: openase ${group.name} <command> [options]`,
    '',
    'Commands:',
    ...group.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`openase ${group.name} <command> --help\` for a command's options.`,
  ].join('\n');
}

/** `--label a --label b,c` → ['a','b','c'] */
export function listOption(value: string | boolean | string[] | undefined): string[] | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
  return parts.map((p) => p.trim()).filter(Boolean);
}

export function stringOption(value: string | boolean | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value[value.length - 1];
  return undefined;
}

export function requireOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args.values[name]);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function requirePositional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}
