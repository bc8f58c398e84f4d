/**
 * Folds a run's normalized events (shared/src/events/run-events.ts) into what the transcript
 * shows: streamed message fragments joined into one message, each tool call paired with its
 * result, a command's start and end as one entry, and running totals of tokens and cost.
 * Pure, so the drawer can feed it events as they arrive (live or from pages) in any batch size.
 */
import type { RouterOutputs } from '../api/client';

/** An event as the API sends it (`runs.events`, `runs.onEvents`). */
export type SequencedRunEvent = RouterOutputs['runs']['events'][number];
export type RunEvent = SequencedRunEvent['event'];
type RunEventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** A tool call with its result, as the drawer and the Project AI chat show it (ToolCallRow.vue). */
export interface ToolCallItem {
  kind: 'tool';
  key: string;
  name: string;
  input: unknown;
  result: RunEventOf<'tool.result'> | null;
  /** The shell command the call ran (the adapters give it the call's id): on the call's row, not its own. */
  command?: RunEventOf<'command'>;
}

export type TranscriptItem =
  | { kind: 'message'; key: string; role: string; text: string; streaming: boolean }
  | { kind: 'reasoning'; key: string; text: string }
  | ToolCallItem
  | { kind: 'command'; key: string; event: RunEventOf<'command'> }
  | { kind: 'event'; key: string; event: RunEvent };

export interface Transcript {
  items: TranscriptItem[];
  lastSeq: number;
  totals: { inputTokens: number; outputTokens: number; cachedTokens: number; costUsd: number };
  /** Tool call id → index in `items`, to attach results; command id → index to update it. */
  index: Record<string, number>;
}

export function emptyTranscript(): Transcript {
  return { items: [], lastSeq: 0, totals: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0 }, index: {} };
}

/** Adds events in order; events at or below `lastSeq` (a replay after a reconnect) are skipped. */
export function appendEvents(t: Transcript, events: readonly SequencedRunEvent[]): Transcript {
  for (const { seq, event } of events) {
    if (seq <= t.lastSeq) continue;
    t.lastSeq = seq;
    apply(t, `e${seq}`, event);
  }
  return t;
}

function apply(t: Transcript, key: string, e: RunEvent): void {
  const last = t.items[t.items.length - 1];
  switch (e.type) {
    case 'message': {
      // Fragments build up one message; the complete message that follows replaces them.
      if (last?.kind === 'message' && last.streaming && last.role === e.role) {
        last.text = e.delta ? last.text + e.text : e.text;
        last.streaming = !!e.delta;
        return;
      }
      // A person's message to the run (steering) is shown with their name.
      t.items.push({ kind: 'message', key, role: e.author ?? e.role, text: e.text, streaming: !!e.delta });
      return;
    }
    case 'reasoning':
      t.items.push({ kind: 'reasoning', key, text: e.text });
      return;
    case 'tool.call':
      t.index[`tool:${e.id}`] = t.items.length;
      t.items.push({ kind: 'tool', key, name: e.name, input: e.input, result: null });
      return;
    case 'tool.result': {
      const at = t.index[`tool:${e.id}`];
      const call = at === undefined ? undefined : t.items[at];
      if (call?.kind === 'tool') call.result = e;
      else t.items.push({ kind: 'tool', key, name: '(unknown tool)', input: null, result: e });
      return;
    }
    case 'command': {
      const tool = e.id ? t.items[t.index[`tool:${e.id}`] ?? -1] : undefined;
      if (tool?.kind === 'tool') {
        tool.command = e;
        return;
      }
      const at = e.id ? t.index[`cmd:${e.id}`] : undefined;
      const earlier = at === undefined ? undefined : t.items[at];
      if (earlier?.kind === 'command') {
        earlier.event = e;
        return;
      }
      if (e.id) t.index[`cmd:${e.id}`] = t.items.length;
      t.items.push({ kind: 'command', key, event: e });
      return;
    }
    case 'usage':
      t.totals.inputTokens += e.inputTokens;
      t.totals.outputTokens += e.outputTokens;
      t.totals.cachedTokens += e.cachedTokens ?? 0;
      t.items.push({ kind: 'event', key, event: e });
      return;
    case 'cost':
      t.totals.costUsd += e.usd;
      t.items.push({ kind: 'event', key, event: e });
      return;
    default:
      t.items.push({ kind: 'event', key, event: e });
  }
}

export function formatInput(input: unknown): string {
  if (typeof input === 'string') return input;
  try {
    return JSON.stringify(input, null, 2) ?? '';
  } catch {
    return String(input);
  }
}
