import { STATUS_STAGES, statusStageSchema, type StatusStage } from '@openase/shared';
import {
  UsageError,
  requireOption,
  requirePositional,
  stringOption,
  type GroupBody,
  type OptionSpec,
  type ParsedArgs,
} from '../command.js';
import { printTable } from '../output.js';
import { callCommand } from '../call-command.js';
import { namedIn, REQUIRED_PROJECT_OPTION } from './definitions-common.js';

function intOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args.values[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number ≥ 0, got "${raw}"`);
  return n;
}

/** `--max-… N` or `none` (no limit): undefined when not given. */
export function limitOption(args: ParsedArgs, name: string): number | null | undefined {
  const raw = stringOption(args.values[name]);
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1 or "none", got "${raw}"`);
  return n;
}

/** `--stage` and `--color`, as `create` and `update` take them. */
const STAGE_OPTION: Record<string, OptionSpec> = {
  stage: { type: 'string', description: `one of ${STATUS_STAGES.join('|')}` },
};
const COLOR_OPTION: Record<string, OptionSpec> = {
  color: { type: 'string', description: 'color like #3b82f6' },
};

/** `--stage STAGE`, one of the stages. */
function parseStage(raw: string): StatusStage {
  const stage = statusStageSchema.safeParse(raw);
  if (!stage.success) throw new UsageError(`--stage must be one of ${STATUS_STAGES.join(', ')}`);
  return stage.data;
}

/** `NAME --project P`: the status a command acts on. */
const statusRef = (args: ParsedArgs) => namedIn(requireOption(args, 'project'), args, 'status');

export const statusCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'list',
      summary: 'list statuses in board order',
      args: [],
      usage: '--project P [--json]',
      options: REQUIRED_PROJECT_OPTION,
      call: (api, args) =>
        api.statuses.list.query({
          project: requireOption(args, 'project'),
        }),
      print(io, statuses) {
        printTable(
          io,
          ['POS', 'NAME', 'STAGE', 'MAX RUNS'],
          statuses.map((s) => [s.position, s.name, s.stage, s.maxActiveRuns ?? '']),
        );
      },
    }),
    callCommand({
      name: 'create',
      summary: 'create a status',
      args: ['NAME'],
      usage: `--project P --stage STAGE [--position N] [--color #RRGGBB] [--max-active-runs N] [--json]`,
      details: `STAGE is one of: ${STATUS_STAGES.join(', ')}.`,
      options: {
        ...REQUIRED_PROJECT_OPTION,
        ...STAGE_OPTION,
        position: { type: 'string', value: 'N', description: 'column position, 0 = first (default: last)' },
        ...COLOR_OPTION,
        'max-active-runs': {
          type: 'string',
          value: 'N',
          description: 'at most N runs at once on tickets in this status',
        },
      },
      check: (args) => parseStage(requireOption(args, 'stage')),
      call: (api, args, _io, stage) =>
        api.statuses.create.mutate({
          project: requireOption(args, 'project'),
          name: requirePositional(args, 0, 'status NAME'),
          stage,
          position: intOption(args, 'position'),
          color: stringOption(args.values.color),
          maxActiveRuns: intOption(args, 'max-active-runs'),
        }),
      print(io, status) {
        io.out(`created status ${status.name} (${status.stage}) at position ${status.position}`);
      },
    }),
    callCommand({
      name: 'update',
      summary: "change a status's stage, color or run limit",
      args: ['NAME'],
      usage: '--project P [--stage STAGE] [--color #RRGGBB] [--max-active-runs N|none] [--json]',
      options: {
        ...REQUIRED_PROJECT_OPTION,
        ...STAGE_OPTION,
        ...COLOR_OPTION,
        'max-active-runs': {
          type: 'string',
          value: 'N|none',
          description: 'at most N runs at once on tickets in this status; none = no limit',
        },
      },
      check(args) {
        const raw = stringOption(args.values.stage);
        return raw === undefined ? undefined : parseStage(raw);
      },
      call: (api, args, _io, stage) =>
        api.statuses.update.mutate({
          ...statusRef(args),
          ...(stage ? { stage } : {}),
          color: stringOption(args.values.color),
          maxActiveRuns: limitOption(args, 'max-active-runs'),
        }),
      print(io, status) {
        io.out(
          `status ${status.name}: ${status.stage}, ${status.maxActiveRuns === null ? 'no run limit' : `at most ${status.maxActiveRuns} active run(s)`}`,
        );
      },
    }),
    callCommand({
      name: 'rename',
      summary: 'rename a status',
      args: ['NAME', 'NEW_NAME'],
      usage: '--project P [--json]',
      options: REQUIRED_PROJECT_OPTION,
      call: (api, args) =>
        api.statuses.update.mutate({ ...statusRef(args), name: requirePositional(args, 1, 'NEW_NAME') }),
      print(io, status) {
        io.out(`renamed to ${status.name}`);
      },
    }),
    callCommand({
      name: 'move',
      summary: 'move a status to another column position',
      args: ['NAME'],
      usage: '--project P --position N [--json]',
      options: {
        ...REQUIRED_PROJECT_OPTION,
        position: { type: 'string', value: 'N', description: 'new position, 0 = first' },
      },
      check(args) {
        const position = intOption(args, 'position');
        if (position === undefined) throw new UsageError('--position is required');
        return position;
      },
      call: (api, args, _io, position) => api.statuses.move.mutate({ ...statusRef(args), position }),
      print(io, statuses) {
        io.out(statuses.map((s) => s.name).join(' → '));
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete a status (its tickets must be moved elsewhere with --move-to)',
      args: ['NAME'],
      usage: '--project P [--move-to STATUS] [--json]',
      options: {
        ...REQUIRED_PROJECT_OPTION,
        'move-to': { type: 'string', value: 'STATUS', description: "where the status' tickets go" },
      },
      call: (api, args) =>
        api.statuses.delete.mutate({
          ...statusRef(args),
          moveTicketsTo: stringOption(args.values['move-to']),
        }),
      print(io, result) {
        io.out(
          `deleted status ${result.deleted}${result.movedTickets ? `; moved ${result.movedTickets} ticket(s)` : ''}`,
        );
      },
    }),
  ],
};
