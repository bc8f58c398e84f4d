/**
 * The chat transcript as rows to render: the person's messages placed before the turn they
 * started, then what the agent did in that turn — its text (streamed deltas merged into one
 * growing message), each tool call with its result (the run drawer's tool row, web/src/runs/ToolCallRow.vue), and
 * one line per shell command, file change or error, in the words `openase chat` prints
 * (shared/src/events/describe.ts). Pure, so it is tested without a browser.
 */
import { chatShowsEvent, describeRunEvent, turnEndWords, type RunEvent } from '@openase/shared';
import type { ToolCallItem } from '../runs/transcript';

export interface ChatEvent {
  runId: string;
  seq: number;
  event: RunEvent;
}
export interface ChatMessageLike {
  seq: number;
  runId: string | null;
  turn: number | null;
  text: string;
  authorName: string;
  attachments?: unknown;
}

export type TranscriptRow =
  | { kind: 'user'; key: string; text: string; author: string; attachments: string[]; queued: boolean }
  | { kind: 'assistant'; key: string; text: string; streaming: boolean }
  | { kind: 'event'; key: string; text: string; tone: 'ok' | 'bad' | 'info' }
  /** A tool call, its result attached when it comes: shown as the run drawer shows it. */
  | ToolCallItem
  /** A turn that did not complete, and why in words ("Turn ended: the run reached its limit of turns"). */
  | { kind: 'turn-end'; key: string; ok: boolean; text: string };

function attachmentLabels(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.map(
    (a: { kind?: string; ticket?: string; workflow?: string; path?: string }) =>
      `${a.kind}: ${a.ticket ?? a.workflow ?? a.path ?? '?'}`,
  );
}

export function buildTranscript(messages: readonly ChatMessageLike[], events: readonly ChatEvent[]): TranscriptRow[] {
  const rows: TranscriptRow[] = [];
  const placed = new Set<number>();
  const userRow = (m: ChatMessageLike): TranscriptRow => ({
    kind: 'user',
    key: `m${m.seq}`,
    text: m.text,
    author: m.authorName,
    attachments: attachmentLabels(m.attachments),
    queued: m.turn === null,
  });
  let open: Extract<TranscriptRow, { kind: 'assistant' }> | null = null;
  /** `<run>:<tool call id>` → its row, for the result. */
  const tools = new Map<string, Extract<TranscriptRow, { kind: 'tool' }>>();
  for (const { runId, seq, event: e } of events) {
    const key = `${runId}:${seq}`;
    if (e.type === 'turn.started') {
      for (const m of messages)
        if (m.runId === runId && m.turn === e.turn && !placed.has(m.seq)) {
          placed.add(m.seq);
          rows.push(userRow(m));
        }
      open = null;
      continue;
    }
    if (e.type === 'message' && e.role === 'assistant') {
      const text = e.text;
      if (e.delta) {
        if (!open) rows.push((open = { kind: 'assistant', key, text: '', streaming: true }));
        open.text += text;
      } else {
        if (open) {
          open.text = text || open.text;
          open.streaming = false;
        } else if (text) rows.push({ kind: 'assistant', key, text, streaming: false });
        open = null;
      }
      continue;
    }
    open = null;
    if (e.type === 'tool.call') {
      const row = { kind: 'tool' as const, key, name: e.name, input: e.input, result: null };
      tools.set(`${runId}:${e.id}`, row);
      rows.push(row);
      continue;
    }
    const call = e.type === 'tool.result' || e.type === 'command' ? tools.get(`${runId}:${e.id}`) : undefined;
    if (call && e.type === 'tool.result') call.result = e;
    else if (call && e.type === 'command') call.command = e;
    else if (chatShowsEvent(e)) rows.push({ kind: 'event', key, ...describeRunEvent(e) });
    else if (e.type === 'turn.finished' && !e.ok)
      rows.push({ kind: 'turn-end', key, ok: false, text: `Turn ended: ${turnEndWords(e.reason)}` });
  }
  // Messages not reached by any turn yet: just sent, or queued behind the agent's current turn.
  for (const m of messages) if (!placed.has(m.seq)) rows.push(userRow(m));
  return rows;
}
