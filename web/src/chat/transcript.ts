/**
 * The chat transcript as rows to render: the person's messages placed before the turn they
 * started, then what the agent did in that turn — its text (streamed deltas merged into one
 * growing message), tool calls, shell commands, file changes, errors. Pure, so it is tested
 * without a browser.
 */
export interface ChatEvent {
  runId: string;
  seq: number;
  event: { type: string; [key: string]: unknown };
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
  | { kind: 'tool'; key: string; name: string; detail: string }
  | { kind: 'command'; key: string; command: string; status: string; exitCode: number | null }
  | { kind: 'file'; key: string; path: string; change: string }
  | { kind: 'error'; key: string; text: string }
  | { kind: 'turn-end'; key: string; ok: boolean; reason: string };

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
      const text = String(e.text ?? '');
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
    if (e.type === 'tool.call')
      rows.push({ kind: 'tool', key, name: String(e.name), detail: JSON.stringify(e.input ?? {}).slice(0, 300) });
    else if (e.type === 'command' && e.status !== 'started')
      rows.push({
        kind: 'command',
        key,
        command: String(e.command),
        status: String(e.status),
        exitCode: (e.exitCode as number | null) ?? null,
      });
    else if (e.type === 'file.change') rows.push({ kind: 'file', key, path: String(e.path), change: String(e.kind) });
    else if (e.type === 'error') rows.push({ kind: 'error', key, text: String(e.message).split('\n')[0]! });
    else if (e.type === 'turn.finished' && !e.ok)
      rows.push({ kind: 'turn-end', key, ok: false, reason: String(e.reason ?? 'failed') });
  }
  // Messages not reached by any turn yet: just sent, or queued behind the agent's current turn.
  for (const m of messages) if (!placed.has(m.seq)) rows.push(userRow(m));
  return rows;
}
