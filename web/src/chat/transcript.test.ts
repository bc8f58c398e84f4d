import { describe, expect, it } from 'vitest';
import { buildTranscript, type ChatEvent } from './transcript';

const ev = (seq: number, event: ChatEvent['event']): ChatEvent => ({ runId: 'r1', seq, event });

describe('chat transcript', () => {
  it('places each message before its turn, merges streamed text, shows tools, commands and file changes', () => {
    const messages = [
      {
        seq: 1,
        runId: 'r1',
        turn: 1,
        text: 'plan it',
        authorName: 'admin',
        attachments: [{ kind: 'ticket', ticket: 'D-1' }],
      },
      { seq: 2, runId: 'r1', turn: 2, text: 'thanks', authorName: 'admin', attachments: [] },
      { seq: 3, runId: null, turn: null, text: 'and tests', authorName: 'admin', attachments: [] },
    ];
    const rows = buildTranscript(messages, [
      ev(1, { type: 'turn.started', turn: 1 }),
      ev(2, { type: 'message', role: 'assistant', text: 'Work', delta: true }),
      ev(3, { type: 'message', role: 'assistant', text: 'ing', delta: true }),
      ev(4, { type: 'tool.call', id: 't', name: 'Bash', input: { command: 'openase ticket create' } }),
      ev(5, { type: 'command', command: 'openase ticket create', status: 'completed', exitCode: 0 }),
      ev(6, { type: 'file.change', path: 'a.txt', kind: 'add' }),
      ev(7, { type: 'message', role: 'assistant', text: 'Done.' }),
      ev(8, { type: 'turn.finished', turn: 1, ok: true }),
      ev(9, { type: 'turn.started', turn: 2 }),
      ev(10, { type: 'message', role: 'assistant', text: 'You', delta: true }),
    ]);
    expect(rows.map((r) => r.kind)).toEqual([
      'user',
      'assistant',
      'tool',
      'event',
      'event',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(rows[0]).toMatchObject({ text: 'plan it', attachments: ['ticket: D-1'], queued: false });
    expect(rows[1]).toMatchObject({ text: 'Working', streaming: true });
    expect(rows[2]).toMatchObject({ kind: 'tool', name: 'Bash', input: { command: 'openase ticket create' } });
    expect(rows.slice(3, 5).map((r) => 'text' in r && r.text)).toEqual([
      '$ openase ticket create completed (exit 0)',
      'add a.txt',
    ]);
    expect(rows[5]).toMatchObject({ text: 'Done.', streaming: false });
    expect(rows[7]).toMatchObject({ text: 'You', streaming: true });
    expect(rows[8]).toMatchObject({ text: 'and tests', queued: true });
  });

  it('shows each tool call once, as the run drawer does, with its result attached (a failure too)', () => {
    const rows = buildTranscript(
      [],
      [
        ev(1, { type: 'tool.call', id: 'a', name: 'Read', input: { file_path: 'README.md' } }),
        ev(2, { type: 'tool.call', id: 'b', name: 'Grep', input: { pattern: 'TODO' } }),
        ev(3, { type: 'tool.result', id: 'b', ok: false, output: 'grep: bad pattern' }),
        ev(4, { type: 'tool.result', id: 'a', ok: true, output: '# Demo' }),
        // A result whose call this transcript never saw: its own line, when it failed.
        ev(5, { type: 'tool.result', id: 'z', ok: false, output: 'refused' }),
      ],
    );
    expect(rows).toEqual([
      {
        kind: 'tool',
        key: 'r1:1',
        name: 'Read',
        input: { file_path: 'README.md' },
        result: { type: 'tool.result', id: 'a', ok: true, output: '# Demo' },
      },
      {
        kind: 'tool',
        key: 'r1:2',
        name: 'Grep',
        input: { pattern: 'TODO' },
        result: { type: 'tool.result', id: 'b', ok: false, output: 'grep: bad pattern' },
      },
      { kind: 'event', key: 'r1:5', text: 'tool failed: refused', tone: 'bad' },
    ]);
  });

  it("shows a shell command on its tool call's row, not as a second line (a command without a call keeps its line)", () => {
    const rows = buildTranscript(
      [],
      [
        ev(1, { type: 'tool.call', id: 'c', name: 'shell', input: { command: 'npm test' } }),
        ev(2, { type: 'command', id: 'c', command: 'npm test', status: 'completed', exitCode: 0, output: 'ok' }),
        ev(3, { type: 'tool.result', id: 'c', ok: true, output: 'ok' }),
        ev(4, { type: 'command', id: 'q', command: 'ls', status: 'completed', exitCode: 0 }),
      ],
    );
    expect(rows.map((r) => r.kind)).toEqual(['tool', 'event']);
    expect(rows[0]).toMatchObject({ command: { exitCode: 0 }, result: { ok: true } });
  });

  it('an interrupted turn is shown, and why a turn ended is said in words, never its reason code', () => {
    const rows = buildTranscript([], [ev(1, { type: 'turn.finished', turn: 1, ok: false, reason: 'interrupted' })]);
    expect(rows).toEqual([{ kind: 'turn-end', key: 'r1:1', ok: false, text: 'Turn ended: interrupted' }]);
    const ended = (reason?: string) =>
      buildTranscript([], [ev(1, { type: 'turn.finished', turn: 1, ok: false, reason })]).map(
        (r) => 'text' in r && r.text,
      );
    expect(ended('max_turns')).toEqual(['Turn ended: the run reached its limit of turns']);
    expect(ended('rate_limited')).toEqual(["Turn ended: the model provider's rate limit was reached"]);
    expect(ended(undefined)).toEqual(['Turn ended: the agent reported a failure']);
    // The limit's fatal error, shown as its own line, carries the message without its code.
    const error = buildTranscript(
      [],
      [ev(1, { type: 'error', message: 'the run reached its limit of 3 turns', fatal: true, code: 'max_turns' })],
    );
    expect(error).toMatchObject([{ kind: 'event', text: 'fatal error: the run reached its limit of 3 turns' }]);
  });
});
