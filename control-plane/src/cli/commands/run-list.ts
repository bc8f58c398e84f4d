/**
 * `openase run list`: recent runs as a table a person reads — the run's short id (`run show` takes it), its ticket,
 * what kind of run, its state in the console's words, where and when it ran, for how long and at what cost. `--json`
 * keeps every field of every run (the spec included).
 */
import type * as z from '@openase/shared/zod';
import {
  agentJobSpecSchema,
  commandRunSpecSchema,
  RUN_STATE_WORDS,
  TERMINAL_RUN_STATES,
  type RunState,
} from '@openase/shared';
import { stringOption, type Command } from '../command.js';
import { callCommand } from '../call-command.js';
import { PAGE_OPTIONS, PAGE_USAGE, printMore, readPages } from '../paging.js';
import { printTable, utcMinute } from '../output.js';

/** What `run list` reads of a run (runs.list answers with these and more). */
export interface ListedRun {
  id: string;
  kind: string;
  state: string;
  exitCode: number | null;
  signal: string | null;
  machineName: string | null;
  ticketIdentifier?: string | null;
  conversationId: string | null;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  costUsd: number;
}

/** `45s`, `3m 05s`, `2h 04m`: how long, to the second under an hour. */
export function durationWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A run's state as the console says it: "timed out", "starting", never `timed_out` or `offered`. */
export const runStateText = (state: string): string => RUN_STATE_WORDS[state as RunState] ?? state.replace(/_/g, ' ');

/** One line of `run show`'s history: when (UTC), from which state to which, in words, and why. */
export function transitionLine(t: { at: Date | string; fromState: string | null; toState: string; reason: string }) {
  const at = new Date(t.at).toISOString().replace('T', ' ').slice(0, 19);
  return `  ${at} UTC  ${t.fromState ? runStateText(t.fromState) : 'new'} → ${runStateText(t.toState)}: ${t.reason}`;
}

/** `failed (exit 4)`, `canceled (SIGTERM)`, `timed out`: the state as the console says it, and how it ended. */
function stateWords(r: ListedRun): string {
  const words = runStateText(r.state);
  if (r.signal) return `${words} (${r.signal})`;
  return r.exitCode !== null && r.exitCode !== 0 ? `${words} (exit ${r.exitCode})` : words;
}

/** One row of the table: blank where a run has nothing to say yet (not started, no cost). */
export function runRow(r: ListedRun, now: Date): string[] {
  const started = r.startedAt ? new Date(r.startedAt) : null;
  const ended = TERMINAL_RUN_STATES.has(r.state as RunState);
  const end = r.finishedAt ? new Date(r.finishedAt) : ended ? null : now;
  const duration = started && end ? `${durationWords(end.getTime() - started.getTime())}${ended ? '' : ' so far'}` : '';
  return [
    r.id.slice(0, 8),
    r.ticketIdentifier ?? '',
    r.kind === 'command' ? 'command' : r.conversationId ? 'Project AI' : 'agent',
    stateWords(r),
    r.machineName ?? '',
    started ? utcMinute(started) : '',
    duration,
    r.costUsd > 0 ? `$${r.costUsd.toFixed(4)}` : '',
  ];
}

export const runListCommand: Command = callCommand({
  name: 'list',
  summary: 'recent runs, newest first',
  args: [],
  usage: `[--machine M] ${PAGE_USAGE} [--json]`,
  details: 'Times are UTC. `openase run show RUN` takes the short id; --json has every field, the spec included.',
  options: {
    machine: { type: 'string', value: 'NAME', description: 'only runs on this machine' },
    ...PAGE_OPTIONS,
  },
  call(api, args) {
    const machine = stringOption(args.values.machine);
    return readPages(args, (at) => api.runs.list.query({ ...(machine ? { machine } : {}), ...at }));
  },
  print(io, page) {
    const now = new Date();
    printTable(
      io,
      ['RUN', 'TICKET', 'KIND', 'STATE', 'MACHINE', 'STARTED (UTC)', 'DURATION', 'COST'],
      page.items.map((r) => runRow(r, now)),
      'no runs; start one with `openase run start --machine M -- <command>`',
    );
    printMore(io, page);
  },
});

/** Part of a spec as its shared schema reads it, or nothing when it does not (an older or newer spec still shows). */
function part<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> | undefined {
  const read = schema.safeParse(value);
  return read.success ? read.data : undefined;
}

/**
 * What a run was asked to do, in a few lines of `run show`: for an agent run which ticket (with the run's number, as
 * `ticket show` names its runs) or Project AI conversation it works, the agent, branch, repositories and skills.
 * The whole spec (prompt, skill files as base64: kilobytes) is in --json. What is shown is read by the spec's own
 * contract in shared (`commandRunSpecSchema`, `agentJobSpecSchema`), one part at a time: a part that does not read
 * shows as nothing, and the rest still shows.
 */
export function specFields(
  spec: unknown,
  run: { conversationId?: string | null; attempt?: number } = {},
): Array<[string, string | undefined]> {
  const s = (spec !== null && typeof spec === 'object' ? spec : {}) as Record<string, unknown>;
  if (s.kind === 'command') {
    const { command, cwd } = commandRunSpecSchema.shape;
    return [
      ['command', (part(command, s.command) ?? []).join(' ')],
      ['cwd', part(cwd, s.cwd) ?? '(its run folder)'],
    ];
  }
  const job = agentJobSpecSchema.shape;
  const ticket = part(job.ticket.pick({ identifier: true, title: true, branch: true }), s.ticket);
  const agent = part(job.agent.pick({ adapter: true, command: true, model: true, skills: true }), s.agent);
  const repo = job.repos.element.pick({ name: true });
  const repos = (Array.isArray(s.repos) ? s.repos : []).flatMap((r) => part(repo, r)?.name ?? []);
  const number = run.attempt ? ` (run ${run.attempt})` : '';
  return [
    ...(run.conversationId ? [['conversation', `${run.conversationId} (Project AI)`] as [string, string]] : []),
    ...(ticket && !run.conversationId
      ? [['ticket', `${`${ticket.identifier} ${ticket.title}`.trim()}${number}`] as [string, string]]
      : []),
    ['agent', [agent?.adapter, agent?.command, agent?.model].filter(Boolean).join(' ')],
    ['branch', ticket?.branch],
    ['repositories', repos.join(', ') || 'none'],
    ['skills', Object.keys(agent?.skills ?? {}).join(', ') || 'none'],
    ['spec', 'the whole spec (prompt, skill files): --json'],
  ];
}
