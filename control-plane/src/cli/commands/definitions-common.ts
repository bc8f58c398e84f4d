/** Option helpers shared by the agent, workflow and skill commands. */
import { PRIORITIES, prioritySchema, type Priority } from '@openase/shared';
import {
  UsageError,
  requirePositional,
  stringOption,
  type Command,
  type CommandIo,
  type OptionSpec,
  type ParsedArgs,
} from '../command.js';
import type { ApiClient } from '../client.js';
import { callCommand, onOffCommands, type OnOffCommands } from '../call-command.js';
import { printTable } from '../output.js';

export const PROJECT_OPTION: Record<string, OptionSpec> = {
  project: { type: 'string', value: 'P', description: 'project slug or prefix (default: $OPENASE_PROJECT)' },
};

export function projectOf(args: ParsedArgs, env: NodeJS.ProcessEnv): string {
  const project = stringOption(args.values.project) ?? env.OPENASE_PROJECT;
  if (!project) throw new UsageError('--project is required (or set OPENASE_PROJECT)');
  return project;
}

/** `openase NOUN list --project P`: a project's agents, workflows or skills as a table (or as they came, --json). */
export function projectListCommand<T>(opts: {
  noun: string;
  summary: string;
  list(api: ApiClient, project: string): Promise<T[]>;
  columns: string[];
  row(item: T): Array<string | number | null | undefined>;
}): Command {
  return callCommand({
    name: 'list',
    summary: opts.summary,
    args: [],
    usage: '--project P [--json]',
    options: PROJECT_OPTION,
    call: (api, args, io) => opts.list(api, projectOf(args, io.env)),
    print: (io, items) => printTable(io, opts.columns, items.map(opts.row)),
  });
}

/** `--project P` where it is required (no $OPENASE_PROJECT default). */
export const REQUIRED_PROJECT_OPTION: Record<string, OptionSpec> = {
  project: { type: 'string', description: 'project slug or prefix' },
};

/** The project and the thing of it named by the first argument, as the API takes them: `{ project, agent: NAME }`. */
export function namedIn<K extends string>(
  project: string,
  args: ParsedArgs,
  key: K,
): { project: string } & Record<K, string> {
  return { project, [key]: requirePositional(args, 0, `${key} NAME`) } as { project: string } & Record<K, string>;
}

/** `NAME --project P` (or $OPENASE_PROJECT): the project and the thing of it a command acts on. */
export function projectAndName<K extends string>(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  key: K,
): { project: string } & Record<K, string> {
  return namedIn(projectOf(args, env), args, key);
}

/**
 * `openase NOUN delete NAME --project P`: deletes the named thing of a project (the API answers with the
 * deleted name) and says so.
 */
export function deleteInProject<K extends string>(
  key: K,
  summary: string,
  remove: (api: ApiClient) => { mutate(input: { project: string } & Record<K, string>): Promise<{ deleted: string }> },
): Command {
  return callCommand({
    name: 'delete',
    summary,
    args: ['NAME'],
    usage: '--project P [--json]',
    options: PROJECT_OPTION,
    call: (api, args, io) => remove(api).mutate(projectAndName(args, io.env, key)),
    print(io, result) {
      io.out(`deleted ${key} ${result.deleted}`);
    },
  });
}

/**
 * `openase NOUN enable|disable NAME --project P` (or activate/deactivate): sets one flag of the named thing of a
 * project on and off; `set` gets `{ project, NOUN: NAME }`.
 */
export function onOffInProject<K extends string, T>(
  key: K,
  opts: Pick<OnOffCommands<T>, 'on' | 'off' | 'print'> & {
    set(api: ApiClient, named: { project: string } & Record<K, string>, on: boolean, io: CommandIo): Promise<T>;
  },
): Command[] {
  return onOffCommands({
    on: opts.on,
    off: opts.off,
    args: ['NAME'],
    usage: '--project P [--json]',
    options: PROJECT_OPTION,
    call: (api, args, io, on) => opts.set(api, projectAndName(args, io.env, key), on, io),
    print: opts.print,
  });
}

/**
 * In an agent run the TICKET of a command defaults to the run's own ticket ($OPENASE_TICKET): when exactly the TICKET
 * is missing from `count` positionals, it is put first.
 */
export function withOwnTicket(args: ParsedArgs, env: NodeJS.ProcessEnv, count: number): ParsedArgs {
  const own = env.OPENASE_TICKET;
  if (!own || args.positionals.length !== count - 1) return args;
  return { ...args, positionals: [own, ...args.positionals] };
}

/** The TICKET a command acts on: its first argument, or in an agent run the run's own ticket when left out. */
export function ticketArg(parsed: ParsedArgs, env: NodeJS.ProcessEnv, count: number): string {
  return requirePositional(withOwnTicket(parsed, env, count), 0, 'TICKET identifier');
}

const UUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** An id the API takes as a UUID: a typo is a usage error that says where the ids are listed. */
export function idArg(value: string, what: string, listedBy: string): string {
  if (!UUID.test(value)) throw new UsageError(`"${value}" is not ${what} id; \`${listedBy}\` prints them`);
  return value;
}

/** `1h`, `30m`, `7d`, `90s` → seconds (a unit is required) */
export function parseDuration(text: string): number {
  // A unit is required: a bare "30" read as 30 seconds made a token that expired before it was used.
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m || Number(m[1]) < 1)
    throw new UsageError(`"${text}" is not a duration; use a number and a unit, e.g. 30m, 12h, 7d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export function positiveIntOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args.values[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, got "${raw}"`);
  return n;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args.values[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/** `--env KEY=VALUE` (repeatable) → { KEY: VALUE }. */
export function keyValues(args: ParsedArgs, name: string): Record<string, string> | undefined {
  const raw = args.values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const out: Record<string, string> = {};
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} takes KEY=VALUE, got "${item.split('=')[0]}…"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function repeated(args: ParsedArgs, name: string): string[] | undefined {
  const raw = args.values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  return Array.isArray(raw) ? raw : [raw];
}
/** `--priority P`, one of the priorities. */
export function priorityOption(args: ParsedArgs): Priority | undefined {
  const raw = stringOption(args.values.priority);
  if (raw === undefined) return undefined;
  const parsed = prioritySchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}`);
  return parsed.data;
}
