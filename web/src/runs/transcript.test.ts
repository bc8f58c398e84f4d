import { describe, expect, it } from 'vitest';
import { appendEvents, emptyTranscript, type RunEvent } from './transcript';

const seqd = (events: RunEvent[], from = 1) => events.map((event, i) => ({ seq: from + i, ts: 0, event }));

describe('transcript', () => {
  it('joins streamed fragments, pairs tool results with their calls and totals usage and cost', () => {
    const t = appendEvents(
      emptyTranscript(),
      seqd([
        { type: 'message', role: 'assistant', text: 'Hel', delta: true },
        { type: 'message', role: 'assistant', text: 'lo', delta: true },
        { type: 'message', role: 'assistant', text: 'Hello.' },
        { type: 'tool.call', id: 't1', name: 'Bash', input: { command: 'rm -rf /' } },
        { type: 'command', id: 'c1', command: 'npm test', status: 'started', exitCode: null },
        { type: 'tool.result', id: 't1', ok: false, output: 'not allowed', denied: true },
        { type: 'command', id: 'c1', command: 'npm test', status: 'failed', exitCode: 1, output: 'boom' },
        { type: 'usage', inputTokens: 10, outputTokens: 5, cachedTokens: 2 },
        { type: 'usage', inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
        { type: 'cost', usd: 0.25, source: 'cli' },
      ]),
    );
    expect(t.items.map((i) => i.kind)).toEqual(['message', 'tool', 'command', 'event', 'event', 'event']);
    expect(t.items[0]).toMatchObject({ text: 'Hello.', streaming: false });
    expect(t.items[1]).toMatchObject({ name: 'Bash', result: { denied: true, output: 'not allowed' } });
    expect(t.items[2]).toMatchObject({ event: { status: 'failed', exitCode: 1 } });
    expect(t.totals).toEqual({ inputTokens: 11, outputTokens: 6, cachedTokens: 2, costUsd: 0.25 });
  });

  it("puts a shell command on the row of the tool call that ran it (the adapters give both the call's id)", () => {
    const t = appendEvents(
      emptyTranscript(),
      seqd([
        { type: 'tool.call', id: 'x1', name: 'shell', input: { command: 'npm test' } },
        { type: 'command', id: 'x1', command: 'npm test', status: 'started', exitCode: null },
        { type: 'command', id: 'x1', command: 'npm test', status: 'failed', exitCode: 1, output: 'boom' },
        { type: 'tool.result', id: 'x1', ok: false, output: 'boom' },
      ]),
    );
    expect(t.items.map((i) => i.kind)).toEqual(['tool']);
    expect(t.items[0]).toMatchObject({ command: { status: 'failed', exitCode: 1 }, result: { ok: false } });
  });

  it('skips events it already has (a replay after a reconnect) and continues across batches', () => {
    const t = emptyTranscript();
    appendEvents(
      t,
      seqd([
        { type: 'progress', message: 'a' },
        { type: 'progress', message: 'b' },
      ]),
    );
    appendEvents(
      t,
      seqd(
        [
          { type: 'progress', message: 'b' },
          { type: 'progress', message: 'c' },
        ],
        2,
      ),
    );
    expect(t.items.map((i) => (i.kind === 'event' && i.event.type === 'progress' ? i.event.message : '?'))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(t.lastSeq).toBe(3);
  });

  it('keeps a result whose call it never saw', () => {
    const t = appendEvents(emptyTranscript(), seqd([{ type: 'tool.result', id: 'x', ok: true, output: 'fine' }]));
    expect(t.items[0]).toMatchObject({ kind: 'tool', name: '(unknown tool)', result: { ok: true } });
  });
});
