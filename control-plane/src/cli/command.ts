/**
 * The command framework of the `openase` CLI: groups of commands and the option helpers every command uses.
 * A command's shape, its help and the usage error are shared with `openase-agent` (shared/src/cli/command.ts).
 */
import { commandListHelp, UsageError, type Command, type OptionSpec, type ParsedArgs } from '@openase/shared/cli';

export {
  commandHelp,
  commandListHelp,
  nearestName,
  parseArgSpec,
  parseCommandArgs,
  unknownCommand,
  UsageError,
  type Command,
  type CommandIo,
  type OptionSpec,
  type ParsedArgs,
} from '@openase/shared/cli';

export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
  /** The command `openase <group> --option…` runs when no subcommand is named (`openase chat --project P`). */
  default?: string;
}

/** A group's commands without its name and summary: what a lazily loaded command module exports (cli/groups.ts). */
export type GroupBody = Omit<CommandGroup, 'name' | 'summary'>;

/**
 * A group named and summarised up front whose commands load when it is run: `openase ticket show` parses
 * only the ticket commands' code, not every group's (docs/performance.md, CLI start).
 */
export interface LazyGroup {
  name: string;
  summary: string;
  load(): Promise<GroupBody>;
}

export const JSON_OPTION: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print machine-readable JSON' },
};

export function groupHelp(group: CommandGroup): string {
  return commandListHelp({
    intro: group.summary,
    usage: `openase ${group.name} <command> [options]`,
    sections: [{ title: 'Commands', rows: group.commands.map((c) => [c.name, c.summary]) }],
    footer: [`Run \`openase ${group.name} <command> --help\` for a command's options.`],
  });
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
