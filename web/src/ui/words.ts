/**
 * The one place that turns the platform's states, reason codes, kinds and activity into words a
 * person reads. Components never print a raw state name, code or field name: they call these.
 */
import { fieldWords, type MachineKind, type RunState } from '@openase/shared';

const RUN_STATE_WORDS: Record<RunState, string> = {
  queued: 'queued',
  offered: 'starting',
  preparing: 'preparing',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
  timed_out: 'timed out',
  stalled: 'stalled',
  lost: 'lost',
};

/** A run's state as a short word ("timed out", never `timed_out`). */
export function runStateWords(state: string): string {
  return RUN_STATE_WORDS[state as RunState] ?? humanize(state);
}

const MACHINE_KIND_WORDS: Record<MachineKind, string> = {
  local: 'this host',
  reverse: 'joined',
  ssh: 'over SSH',
};

/** How a machine reaches the platform, as words ("joined", never `reverse`). */
export function machineKindWords(kind: string): string {
  return MACHINE_KIND_WORDS[kind as MachineKind] ?? humanize(kind);
}

/** Reason codes and phrasings older control planes stored, as words. */
const REASON_WORDS: Array<[RegExp, string]> = [
  [/^events arrived$/, 'the agent started working'],
  [/\bdaemon_restarted\b/, 'the daemon on this machine restarted while the agent was working'],
  [/:? ?exit code unknown$/, ''],
];

/** A run's state reason as a person reads it. */
export function reasonWords(reason: string): string {
  let text = reason;
  for (const [pattern, words] of REASON_WORDS) text = text.replace(pattern, words);
  return text.trim() || 'the agent stopped without an exit code';
}

const KIND_WORDS: Record<string, string> = {
  scheduled_job: 'scheduled job',
  ticket: 'ticket',
  run: 'run',
  chat_conversation: 'Project AI conversation',
};

/** An entity kind (`scheduled_job`) or action (`ticket.updated`) as words. */
export function kindWords(kind: string): string {
  return KIND_WORDS[kind] ?? humanize(kind);
}

/** An activity summary as words: "updated ACME-1: budgetUsd, parentId" → "updated ACME-1: budget, parent". */
export function activityWords(summary: string): string {
  const m = /^(updated \S+): ([\w, ]+)$/.exec(summary);
  if (!m) return summary;
  return `${m[1]}: ${m[2]!
    .split(', ')
    .map((f) => fieldWords(f))
    .join(', ')}`;
}

/** `timed_out` / `ticket.updated` / `budgetUsd` → "timed out" / "ticket updated" / "budget usd". */
function humanize(code: string): string {
  return code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_.]+/g, ' ')
    .toLowerCase();
}

/** Who did it, for filters: every run of an agent is one "Agents" entry, not one entry per run. */
export function actorGroup(entry: { actorType: string; actorName: string }): string {
  return entry.actorType === 'agent' && /\brun [0-9a-f]{8}\)$/.test(entry.actorName) ? 'Agents' : entry.actorName;
}
