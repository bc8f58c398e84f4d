/**
 * Following a Project-AI conversation's run from the terminal: streams a turn's reply and its tool calls
 * and file changes until the turn finishes or the run ends (`openase chat`, chat-message.ts).
 */
import {
  chatShowsEvent,
  describeRunEvent,
  TERMINAL_RUN_STATES,
  type RunState,
  type SequencedRunEvent,
} from '@openase/shared';
import type { ApiClient } from '../client.js';

/** How one run event shows in the terminal transcript, as in the console's chat panel; null = not shown. */
export function describeChatEvent(e: SequencedRunEvent['event']): string | null {
  return chatShowsEvent(e) ? `  ${describeRunEvent(e).text}` : null;
}

export interface TurnResult {
  reply: string;
  turn: number | null;
  ended: boolean;
  runState: string;
  events: SequencedRunEvent[];
}

/**
 * Follows a run's events from `afterSeq` until a turn at or after `turn` finishes or the run ends.
 * Streams the assistant's text (deltas as they come) and one line per tool call or file change.
 */
export async function followTurn(
  api: ApiClient,
  runId: string,
  opts: {
    afterSeq: number;
    turn: number | null;
    write?: (text: string) => void;
    line?: (text: string) => void;
    pollMs?: number;
  },
): Promise<TurnResult & { lastSeq: number }> {
  let after = opts.afterSeq;
  let streamed = false;
  let reply = '';
  const seen: SequencedRunEvent[] = [];
  for (;;) {
    const page = (await api.runs.events.query({ run: runId, afterSeq: after, limit: 1000 })) as SequencedRunEvent[];
    for (const e of page) {
      after = e.seq;
      seen.push(e);
      const ev = e.event;
      if (ev.type === 'message' && ev.role === 'assistant') {
        if (ev.delta) {
          streamed = true;
          opts.write?.(ev.text);
        } else {
          if (!streamed) opts.write?.(ev.text);
          if (streamed || ev.text) opts.write?.('\n');
          reply = reply ? `${reply}\n${ev.text}` : ev.text;
          streamed = false;
        }
        continue;
      }
      const line = describeChatEvent(ev);
      if (line) opts.line?.(line);
      if (ev.type === 'turn.finished' && (opts.turn === null || ev.turn >= opts.turn))
        return { reply, turn: ev.turn, ended: false, runState: 'running', events: seen, lastSeq: after };
    }
    if (page.length === 1000) continue;
    const run = await api.runs.show.query({ run: runId });
    if (TERMINAL_RUN_STATES.has(run.state as RunState) && after >= run.ackedSeq)
      return { reply, turn: null, ended: true, runState: run.state, events: seen, lastSeq: after };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

async function lastSeq(api: ApiClient, runId: string): Promise<number> {
  const run = await api.runs.show.query({ run: runId });
  return run.ackedSeq;
}

export async function currentRunSeq(
  api: ApiClient,
  conversation: string,
): Promise<{ runId: string; seq: number } | null> {
  const c = await api.chat.show.query({ conversation });
  return c.run ? { runId: c.run.id, seq: await lastSeq(api, c.run.id) } : null;
}
