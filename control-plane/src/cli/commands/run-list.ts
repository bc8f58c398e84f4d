/**
 * `openase run list`: recent runs as a table a person reads — the run's short id (`run show` takes it), its ticket,
 * what kind of run, its state in the console's words, where and when it ran, for how long and at what cost. `--json`
 * keeps every field of every run (the spec included).
 */
import { RUN_STATE_WORDS, TERMINAL_RUN_STATES, type RunState } from '@openase/shared';
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

/**
 * What a run was asked to do, in a few lines of `run show`: for an agent run which ticket (with the attempt as the run
 * counts it, as `ticket show` does) or Project AI conversation it works, the agent, branch, repositories and skills.
 * The whole spec (prompt, skill files as base64: kilobytes) is in --json.
 */
export function specFields(
  spec: unknown,
  run: { conversationId?: string | null; attempt?: number } = {},
): Array<[string, string | undefined]> {
  const s = (spec ?? {}) as {
    kind?: string;
    command?: string[];
    cwd?: string;
    ticket?: { identifier?: string; title?: string; branch?: string };
    repos?: Array<{ name: string }>;
    agent?: { adapter?: string; command?: string; model?: string; skills?: Record<string, unknown> };
  };
  if (s.kind === 'command')
    return [
      ['command', (s.command ?? []).join(' ')],
      ['cwd', s.cwd ?? '(its run folder)'],
    ];
  const skills = Object.keys(s.agent?.skills ?? {});
  const attempt = run.attempt ? ` (attempt ${run.attempt})` : '';
  const ticket = s.ticket?.identifier
    ? `${`${s.ticket.identifier} ${s.ticket.title ?? ''}`.trim()}${attempt}`
    : undefined;
  return [
    ...(run.conversationId ? [['conversation', `${run.conversationId} (Project AI)`] as [string, string]] : []),
    ...(ticket && !run.conversationId ? [['ticket', ticket] as [string, string]] : []),
    ['agent', [s.agent?.adapter, s.agent?.command, s.agent?.model].filter(Boolean).join(' ')],
    ['branch', s.ticket?.branch],
    ['repositories', (s.repos ?? []).map((r) => r.name).join(', ') || 'none'],
    ['skills', skills.join(', ') || 'none'],
    ['spec', 'the whole spec (prompt, skill files): --json'],
  ];
}
