/** Option helpers shared by the agent, workflow and skill commands. */
import { UsageError, stringOption, type OptionSpec, type ParsedArgs } from '../command.js';

export const PROJECT_OPTION: Record<string, OptionSpec> = {
  project: { type: 'string', value: 'P', description: 'project slug or prefix (default: $OPENASE_PROJECT)' },
};

export function projectOf(args: ParsedArgs, env: NodeJS.ProcessEnv): string {
  const project = stringOption(args.values.project) ?? env.OPENASE_PROJECT;
  if (!project) throw new UsageError('--project is required (or set OPENASE_PROJECT)');
  return project;
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
