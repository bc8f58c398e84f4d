/**
 * The one place that turns the platform's states, reason codes, kinds and activity into words a
 * person reads. Components never print a raw state name, code or field name: they call these.
 */
import {
  ADAPTER_DEFAULT_COMMAND,
  ADAPTER_LABELS,
  AGENT_ADAPTERS,
  fieldWords,
  HOOK_WORDS,
  JOB_FIRE_TRIGGER_WORDS,
  parseRunScope,
  PRIORITIES,
  PRIORITY_LABELS,
  RUN_STATE_WORDS,
  RUN_TOKEN_SCOPES,
  TOKEN_SCOPE_WORDS,
  WORKFLOW_TEMPLATE_LABELS,
  type HookPoint,
  type MachineKind,
  type MachineStatus,
} from '@openase/shared';

/** A code's words from `map` (shared with the CLI where it is), or the code itself as words when `map` lacks it. */
function wordsFrom(map: Readonly<Record<string, string>>): (code: string) => string {
  return (code) => (Object.hasOwn(map, code) ? map[code]! : humanize(code));
}

/** A run's state as a short word ("timed out", never `timed_out`; the words are shared with the CLI). */
export const runStateWords = wordsFrom(RUN_STATE_WORDS);

const MACHINE_KIND_WORDS: Record<MachineKind, string> = {
  local: 'this host',
  reverse: 'joined',
  ssh: 'over SSH',
};

/** How a machine reaches the platform, as words ("joined", never `reverse`). */
export const machineKindWords = wordsFrom(MACHINE_KIND_WORDS);

const MACHINE_STATUS_WORDS: Record<MachineStatus, string> = {
  online: 'online',
  disconnected: 'disconnected',
  lost: 'lost',
  revoked: 'revoked',
  pending: 'not connected yet',
};

/** A machine's status as words ("not connected yet", never `pending`). */
export const machineStatusWords = wordsFrom(MACHINE_STATUS_WORDS);

/** The product an adapter runs ("Claude Code", never `claude-code`). */
export const adapterWords = wordsFrom(ADAPTER_LABELS);

/** What a run's token scope lets its agent do, without the CLI syntax the descriptions give in parentheses. */
export function runScopeWords(scope: string): string {
  const parsed = parseRunScope(scope);
  if (!parsed) return humanize(scope);
  if ('moveTo' in parsed) return `move its ticket to ${parsed.moveTo}`;
  return RUN_TOKEN_SCOPES[parsed.scope].replace(/\s*\([^()]*`[^()]*\)/g, '');
}

/** When a workflow hook runs, for the name typed under `hooks:` ("before each turn of the agent"). */
export function hookWhenWords(hook: string): string {
  return Object.hasOwn(HOOK_WORDS, hook) ? HOOK_WORDS[hook as HookPoint].when : humanize(hook);
}

/** A description's `quoted` parts (what is typed: `tickets.move:<Status>`) apart, to show them as code. */
export function codeParts(text: string): Array<{ text: string; code: boolean }> {
  return text
    .split('`')
    .map((part, i) => ({ text: part, code: i % 2 === 1 }))
    .filter((p) => p.text);
}

/** "the claude CLI" (how the control plane names what a machine lacks) → "Claude Code", per adapter. */
const CLI_WORDS: Array<[RegExp, string]> = AGENT_ADAPTERS.flatMap((a) => {
  const cli = ADAPTER_DEFAULT_COMMAND[a];
  return cli ? [[new RegExp(`\\bthe ${cli} CLI\\b`, 'g'), ADAPTER_LABELS[a]] as [RegExp, string]] : [];
});

/** A priority as a person reads it ("Urgent", "No priority"; never `urgent` or `none`). */
export const priorityWords = wordsFrom(PRIORITY_LABELS);

/** The priorities, most urgent first, as the choices of a drop-down: the value sent, the label shown. */
export const PRIORITY_CHOICES = PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }));

/** What an API token's scope lets it do ("run commands on machines…", never `runs.exec`). */
export const tokenScopeWords = wordsFrom(TOKEN_SCOPE_WORDS);

/** What made a scheduled job fire ("run by hand", never `manual`). */
export const jobTriggerWords = wordsFrom(JOB_FIRE_TRIGGER_WORDS);

/** A built-in workflow template by what it sets up, never its name alone (`full-stack`). */
export const workflowTemplateWords = wordsFrom(WORKFLOW_TEMPLATE_LABELS);

/**
 * A Project AI conversation's activity (control-plane/src/chat/conversation-views.ts) as its status line says it, and
 * what it means on hover. `waiting`: the agent ended its turn and its run waits for the next message (the control
 * plane holds the turn open, chat-turns.ts), keeping its machine slot until the server closes an idle conversation.
 */
const CHAT_ACTIVITY_WORDS: Record<string, { text: string; title: string }> = {
  idle: {
    text: 'not running',
    title: 'The agent is not running (its last run ended); a message starts it again, in the same session.',
  },
  starting: {
    text: 'starting the agent…',
    title: 'The agent is being started on a machine: its run is queued or its workspace is being prepared.',
  },
  working: { text: 'working…', title: 'The agent is working on the last message; Interrupt stops its turn.' },
  waiting: {
    text: 'waiting for your next message',
    title:
      'The agent finished its turn and waits for the next message, keeping its machine slot; a conversation left waiting long may be closed to free it, and a message reopens it.',
  },
  closed: { text: 'closed', title: 'The conversation is closed; a message reopens it.' },
};

/** What a Project AI conversation is doing ("waiting for your next message", never `waiting`), with its meaning. */
export function chatActivityWords(activity: string, state?: string): { text: string; title: string } {
  const key = state === 'closed' ? 'closed' : activity;
  return CHAT_ACTIVITY_WORDS[key] ?? { text: humanize(key), title: '' };
}

/** Reason codes and phrasings older control planes stored, as words. */
const REASON_WORDS: Array<[RegExp, string]> = [
  [/^events arrived$/, 'the agent started working'],
  [/\bdaemon_restarted\b/, 'the daemon on this machine restarted while the agent was working'],
  [/:? ?exit code unknown$/, ''],
  ...CLI_WORDS,
];

/** A run's state reason as a person reads it. */
export function reasonWords(reason: string): string {
  let text = reason;
  for (const [pattern, words] of REASON_WORDS) text = text.replace(pattern, words);
  return text.trim() || 'the agent stopped without an exit code';
}

/**
 * Why a ticket is not picked up again, as its card says it: "Stopped: its agent made no progress…", and a reason
 * that already starts with "stopped" once ("Stopped after 3 of 3 attempts…", not "Stopped: stopped after…").
 */
export function parkedWords(reason: string): string {
  return /^stopped\b/i.test(reason) ? `S${reason.slice(1)}` : `Stopped: ${reason}`;
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

/** A code as words: `timed_out`, `ticket.updated`, `budgetUsd`, `catch-up` → "timed out", "ticket updated"… */
function humanize(code: string): string {
  return code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_.-]+/g, ' ')
    .toLowerCase();
}

/** Who did it, for filters: every run of an agent is one "Agents" entry, not one entry per run. */
export function actorGroup(entry: { actorType: string; actorName: string }): string {
  return entry.actorType === 'agent' && /\brun [0-9a-f]{8}\)$/.test(entry.actorName) ? 'Agents' : entry.actorName;
}
