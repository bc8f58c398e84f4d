/**
 * One line for a run event, the same in the terminal (`openase run events`, `openase chat`) and in the
 * console (the run drawer's transcript rows): what happened, and whether it went well. The one
 * transcript renderer: the web folds streamed fragments and pairs tool calls with their results
 * around it (web/src/runs/transcript.ts), the CLI prints it as it comes.
 */
import type { RunEvent as StoredRunEvent } from './run-events.js';
import { describeToolCall } from './tool-words.js';
import { clip, firstLine } from '../domain/text.js';
import { HOOK_POLICY_WORDS, hookWords } from '../domain/hook-words.js';

/**
 * A run event as any reader holds it: the stored schema's, or as it came through the API, where a tool call's
 * `input` of `unknown` type reads as optional.
 */
type RunEvent = StoredRunEvent extends infer E
  ? E extends { type: 'tool.call'; input: unknown }
    ? Omit<E, 'input'> & { input?: unknown }
    : E
  : never;

/**
 * Why an agent's turn ended (the daemon's `TurnOutcome.reason`, the `reason` of a `turn.finished` event), in the words
 * the console's chat panel, the run drawer and the CLI show: never `max_turns` or `rate_limited`.
 */
export const TURN_END_WORDS = {
  completed: 'completed',
  failed: 'the agent reported a failure',
  max_turns: 'the run reached its limit of turns',
  rate_limited: "the model provider's rate limit was reached",
  interrupted: 'interrupted',
  exited: 'the agent program exited in the middle of the turn',
  auth: 'the agent program is not signed in to its model provider',
  config: "the agent program's configuration is invalid",
} as const;
export type TurnEndReason = keyof typeof TURN_END_WORDS;

/** A turn's end reason in words; one this code does not know (a newer daemon's) without its underscores. */
export function turnEndWords(reason: string | undefined): string {
  if (!reason) return TURN_END_WORDS.failed;
  return Object.hasOwn(TURN_END_WORDS, reason) ? TURN_END_WORDS[reason as TurnEndReason] : reason.replace(/_/g, ' ');
}

/** Where a turn's cost came from (`cost.source`), in words. */
const COST_SOURCE_WORDS: Record<string, string> = {
  cli: 'as the agent program reported it',
  pricing: "estimated from the agent's prices",
};

/** The daemon's workspace steps (`workspace.step`) that are not a word already (`commit`, `push` are). */
const WORKSPACE_STEP_WORDS: Record<string, string> = { prepare: 'workspace', paths: 'path rules' };

/** `text` says nothing but `word`: " Done. " says done (case, spaces and trailing punctuation aside). */
const onlySays = (text: string, word: string): boolean =>
  text
    .trim()
    .replace(/[\s\p{P}]+$/u, '')
    .toLowerCase() === word;

/** One line for any run event (the drawer shows messages, tools and commands as richer rows of their own). */
export function describeRunEvent(e: RunEvent): { text: string; tone: 'ok' | 'bad' | 'info' } {
  switch (e.type) {
    case 'message':
      return { text: `${e.author ?? e.role}: ${e.text}`, tone: 'info' };
    case 'reasoning':
      return { text: `thinking: ${firstLine(e.text)}`, tone: 'info' };
    case 'tool.call': {
      // What it acted on (the command, the file, the pattern), never the input's JSON.
      const { tool, summary } = describeToolCall(e.name, e.input);
      return { text: `tool ${tool}${summary ? `: ${summary}` : ''}`, tone: 'info' };
    }
    case 'tool.result':
      return {
        text: `tool ${e.denied ? 'refused' : e.ok ? 'done' : 'failed'}: ${clip(firstLine(e.output))}`,
        tone: e.ok ? 'ok' : 'bad',
      };
    case 'command':
      return {
        text: `$ ${clip(e.command)} ${e.status}${e.exitCode !== null ? ` (exit ${e.exitCode})` : ''}`,
        tone: e.status === 'failed' || e.status === 'declined' ? 'bad' : 'info',
      };
    case 'session.started':
      return {
        text: `session ${e.sessionId}${e.model ? ` · model ${e.model}` : ''}${e.cliVersion ? ` · CLI ${e.cliVersion}` : ''}`,
        tone: 'info',
      };
    case 'file.change':
      return { text: `${e.kind} ${e.path}`, tone: 'info' };
    case 'usage':
      return {
        text: `tokens: ${e.inputTokens} in, ${e.outputTokens} out${e.cachedTokens ? `, ${e.cachedTokens} cached` : ''}${e.turn ? ` (turn ${e.turn})` : ''}`,
        tone: 'info',
      };
    case 'cost':
      return {
        text: `cost $${e.usd.toFixed(4)} (${COST_SOURCE_WORDS[e.source] ?? e.source})${e.turn ? ` (turn ${e.turn})` : ''}`,
        tone: 'info',
      };
    case 'rate_limit':
      return { text: `rate limited: ${e.message}${e.resetAt ? ` (until ${e.resetAt})` : ''}`, tone: 'bad' };
    case 'error':
      // The message says it; its code (`max_turns`, `cli_exited`) is for programs (`--json`), not the line.
      return { text: `${e.fatal ? 'fatal error' : 'error'}: ${e.message}`, tone: 'bad' };
    case 'turn.started':
      return { text: `turn ${e.turn} started`, tone: 'info' };
    case 'turn.finished':
      return {
        text: `turn ${e.turn} ${e.ok ? 'finished' : 'failed'}${e.reason && !e.ok ? `: ${turnEndWords(e.reason)}` : ''}`,
        tone: e.ok ? 'ok' : 'bad',
      };
    case 'result': {
      // The agent's last words, unless they only repeat the outcome ("Done." after done: "result: done", once).
      const outcome = e.ok ? 'done' : 'failed';
      const said = e.text && !onlySays(e.text, outcome) ? ` — ${e.text}` : '';
      return { text: `result: ${outcome}${e.reason ? ` (${e.reason})` : ''}${said}`, tone: e.ok ? 'ok' : 'bad' };
    }
    case 'output':
      return { text: e.text, tone: e.stream === 'stderr' ? 'bad' : 'info' };
    case 'hook': {
      // The hook in words ("the before-turn checks", never `before_turn`); a failure its policy lets pass says so.
      const failed = e.status === 'failed' || e.status === 'timed_out';
      const detail = [
        e.exitCode != null ? `exit ${e.exitCode}` : null,
        failed && e.policy !== 'block' ? HOOK_POLICY_WORDS[e.policy] : null,
      ].filter(Boolean);
      return {
        text: `${hookWords(e.hook)} ${e.status.replace('_', ' ')}${detail.length ? ` (${detail.join('; ')})` : ''}: ${firstLine(e.command)}`,
        tone: e.status === 'passed' || e.status === 'started' ? 'ok' : e.policy === 'block' ? 'bad' : 'info',
      };
    }
    case 'workspace':
      return { text: `${WORKSPACE_STEP_WORDS[e.step] ?? e.step}: ${e.message}`, tone: e.ok ? 'ok' : 'bad' };
    case 'progress':
      return { text: e.message, tone: 'info' };
    case 'raw':
      return { text: `[${e.source}] ${e.line}`, tone: 'info' };
    case 'truncation':
      return { text: e.message, tone: 'bad' };
    case 'approval':
      return e.state === 'waiting'
        ? { text: `needs approval: ${e.tool} ${e.detail} (the workflow asks before ${e.rule})`, tone: 'info' }
        : {
            text: `${e.by ?? 'someone'} ${e.state} ${e.tool} ${e.detail}${e.reason ? `: ${e.reason}` : ''}`,
            tone: e.state === 'approved' ? 'ok' : 'bad',
          };
    default:
      // An event type newer than this code (a newer daemon): its name at least.
      return { text: (e as { type: string }).type, tone: 'info' };
  }
}

/** What a person calls each kind of run event, for a row's tag: never the wire name (`turn.started`). */
const EVENT_LABELS: Record<string, string> = {
  'tool.call': 'tool',
  'tool.result': 'tool',
  'session.started': 'session',
  'file.change': 'file',
  usage: 'tokens',
  rate_limit: 'rate limit',
  'turn.started': 'turn',
  'turn.finished': 'turn',
  raw: 'output',
  truncation: 'cut',
};

/** The tag of a run event's row in a transcript ("turn", "file", "rate limit"). */
export function runEventLabel(type: string): string {
  return EVENT_LABELS[type] ?? type.replace(/[._]/g, ' ');
}

/** Longer text attached to a one-line event (a diff, a hook's output), shown collapsed. */
export function runEventDetail(e: RunEvent): string | null {
  if (e.type === 'file.change') return e.diff ?? null;
  // A hook's script is shown once: its first line in the row, the whole of it here (collapsed),
  // only on the row that ends the hook — the "started" row names it by its first line alone.
  if (e.type === 'hook') {
    const script = e.status !== 'started' && e.command.includes('\n') ? e.command : null;
    return [script, e.output].filter(Boolean).join('\n\n') || null;
  }
  if (e.type === 'workspace' && e.details) return detailLines(e.details).join('\n');
  return null;
}

/** A step's details as indented "key: value" lines (a list's items with "- "), never its JSON. */
function detailLines(value: unknown, indent = ''): string[] {
  if (Array.isArray(value))
    return value.flatMap((item) => {
      const [first = '', ...rest] = detailLines(item, `${indent}  `);
      return [`${indent}- ${first.trimStart()}`, ...rest];
    });
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, v]) =>
      v && typeof v === 'object' && (!Array.isArray(v) || v.length)
        ? [`${indent}${key}:`, ...detailLines(v, `${indent}  `)]
        : [`${indent}${key}: ${Array.isArray(v) ? 'none' : String(v ?? 'none')}`],
    );
  return [`${indent}${String(value)}`];
}

/**
 * Whether a Project AI conversation shows an event as a line of its own, in the terminal (`openase chat`)
 * and in the console's chat panel: tool calls, file changes, errors, rate limits, a command once it ended,
 * a tool's result only when it failed (messages are shown as they stream, by each).
 */
export function chatShowsEvent(e: RunEvent): boolean {
  if (e.type === 'tool.result') return !e.ok;
  if (e.type === 'command') return e.status !== 'started';
  return e.type === 'tool.call' || e.type === 'file.change' || e.type === 'error' || e.type === 'rate_limit';
}
