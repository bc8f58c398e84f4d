import type { RunEvent } from '@openase/shared/events/run-events';
import { describe, expect, it } from 'vitest';
import { checkedEvents, protocolInLines } from '../common/fixtures.js';
import { CodexEventMapper } from './app-server-mapper.js';

const here = import.meta.dirname;

function mapNotifications(lines: string[], workdir?: string) {
  const mapper = new CodexEventMapper(workdir);
  const events: RunEvent[] = [];
  const ends: unknown[] = [];
  for (const line of lines) {
    const message = JSON.parse(line) as { method?: string; id?: number; params?: Record<string, unknown> };
    if (!message.method || message.id !== undefined) continue; // responses and server requests belong to the session
    const mapped = mapper.map(message.method, message.params ?? {}, line);
    events.push(...mapped.events);
    if (mapped.turnEnd) ends.push(mapped.turnEnd);
  }
  const of = checkedEvents(events);
  return { mapper, events, ends, of };
}

describe('codex app-server mapper over captured output', () => {
  it('maps every notification of a captured turn (none left raw)', () => {
    const { of, ends, events } = mapNotifications(protocolInLines(here, 'codex-app-server.jsonl'), '/srv/ws/crepo');
    expect(of('raw')).toEqual([]);
    expect(of('session.started')).toEqual([
      {
        type: 'session.started',
        sessionId: '01a209f2-a15d-7772-97ba-2bf670f826ea',
        model: 'gpt-5.5',
        cliVersion: '0.169.0',
      },
    ]);
    expect(of('reasoning').map((r) => r.text)).toEqual(['Need to check the shell first.']);
    expect(
      of('message')
        .filter((m) => !m.delta)
        .map((m) => m.text),
    ).toEqual(['Running a command first.', 'done']);
    expect(
      of('message')
        .filter((m) => m.delta)
        .map((m) => m.text)
        .join(''),
    ).toBe('Running a command first.done');
    expect(of('tool.call').map((c) => c.name)).toEqual(['shell', 'apply_patch']);
    expect(of('command')).toEqual([
      {
        type: 'command',
        id: 'call_f699aff64adf9539ac4573de',
        command: 'echo hello-from-shell',
        status: 'started',
        exitCode: null,
      },
      {
        type: 'command',
        id: 'call_f699aff64adf9539ac4573de',
        command: 'echo hello-from-shell',
        status: 'completed',
        exitCode: 0,
        output: 'hello-from-shell\n',
      },
    ]);
    expect(of('file.change')).toEqual([
      { type: 'file.change', path: 'hello.txt', kind: 'add', diff: 'Hello from the fake model!\n' },
    ]);
    expect(of('tool.result').map((r) => r.ok)).toEqual([true, true]);
    expect(of('error')).toEqual([expect.objectContaining({ fatal: false, code: 'configWarning' })]);
    expect(ends).toEqual([{ status: 'completed' }]);
    expect(events.length).toBeGreaterThan(10);
  });

  it('diffs the thread-cumulative token counters into per-turn usage', () => {
    const { mapper } = mapNotifications(protocolInLines(here, 'codex-app-server.jsonl'));
    // No total before the turn: the sum of the turn's requests (9528 + 9735 + 9855).
    expect(mapper.takeTurnUsage()).toEqual({ inputTokens: 29118, outputTokens: 24, cachedTokens: 0 });
    mapper.beginTurn();
    const update = (turnId: string, input: number, last: number) =>
      mapper.map(
        'thread/tokenUsage/updated',
        {
          turnId,
          tokenUsage: {
            total: { inputTokens: input, outputTokens: 30, cachedInputTokens: 0 },
            last: { inputTokens: last, outputTokens: 6 },
          },
        },
        '{}',
      );
    mapper.map('turn/started', { turn: { id: 't2' } }, '{}');
    update('t2', 39030, 9912);
    expect(mapper.takeTurnUsage()).toEqual({ inputTokens: 39030 - 29118, outputTokens: 6, cachedTokens: 0 });
  });

  it('measures a resumed thread from its restored total, even when that arrives after the turn started', () => {
    const mapper = new CodexEventMapper();
    const update = (turnId: string, input: number, last: number) =>
      mapper.map(
        'thread/tokenUsage/updated',
        {
          turnId,
          tokenUsage: { total: { inputTokens: input, outputTokens: 0 }, last: { inputTokens: last, outputTokens: 0 } },
        },
        '{}',
      );
    mapper.beginTurn();
    mapper.map('turn/started', { turn: { id: 'new' } }, '{}');
    update('old', 2000, 1000);
    update('new', 3000, 1000);
    expect(mapper.takeTurnUsage()).toEqual({ inputTokens: 1000, outputTokens: 0, cachedTokens: 0 });
  });

  it('marks declined commands and file changes as denied tool results', () => {
    const mapper = new CodexEventMapper('/w');
    mapper.markDeclined('c1');
    const command = mapper.map(
      'item/completed',
      {
        item: {
          type: 'commandExecution',
          id: 'c1',
          command: "/bin/bash -lc 'rm -rf x'",
          status: 'declined',
          exitCode: null,
          aggregatedOutput: null,
        },
      },
      '{}',
    ).events;
    expect(command).toEqual([
      { type: 'command', id: 'c1', command: 'rm -rf x', status: 'declined', exitCode: null, output: '' },
      { type: 'tool.result', id: 'c1', ok: false, denied: true, output: 'declined by the OpenASE harness' },
    ]);
    const patch = mapper.map(
      'item/completed',
      {
        item: {
          type: 'fileChange',
          id: 'f1',
          status: 'declined',
          changes: [{ path: '/w/a.txt', kind: { type: 'add' } }],
        },
      },
      '{}',
    ).events;
    expect(patch).toEqual([
      { type: 'tool.result', id: 'f1', ok: false, denied: true, output: 'declined by the OpenASE harness' },
    ]);
  });

  it('maps errors, rate limits, failed turns, MCP calls, and keeps unknown notifications raw', () => {
    const mapper = new CodexEventMapper();
    expect(
      mapper
        .map(
          'error',
          {
            error: {
              message: 'You’ve hit your usage limit. Try again at 11:22 PM.',
              codexErrorInfo: 'usageLimitExceeded',
            },
            willRetry: false,
          },
          '{}',
        )
        .events.map((e) => e.type),
    ).toEqual(['error', 'rate_limit']);
    expect(
      mapper.map('error', { error: { message: 'Reconnecting... 1/5', codexErrorInfo: null }, willRetry: true }, '{}')
        .events,
    ).toEqual([{ type: 'error', message: 'Reconnecting... 1/5', fatal: false }]);
    expect(
      mapper.map(
        'account/rateLimits/updated',
        { rateLimits: { primary: { usedPercent: 100, resetsAt: 1795500000 } } },
        '{}',
      ).events,
    ).toEqual([
      { type: 'rate_limit', message: 'rate limit reached', resetAt: new Date(1795500000 * 1000).toISOString() },
    ]);
    expect(mapper.map('account/rateLimits/updated', { rateLimits: { primary: null } }, '{}').events).toEqual([]);
    expect(
      mapper.map('turn/completed', { turn: { status: 'failed', error: { message: 'boom' } } }, '{}').turnEnd,
    ).toEqual({ status: 'failed', error: 'boom' });
    expect(
      mapper.map(
        'item/completed',
        {
          item: {
            type: 'mcpToolCall',
            id: 'm1',
            server: 'tickets',
            tool: 'lookup',
            status: 'completed',
            result: { content: [{ type: 'text', text: 'T-42 open' }] },
          },
        },
        '{}',
      ).events,
    ).toEqual([{ type: 'tool.result', id: 'm1', ok: true, output: 'T-42 open' }]);
    expect(mapper.map('brand/new', {}, '{"method":"brand/new"}').events).toEqual([
      { type: 'raw', source: 'codex', line: '{"method":"brand/new"}' },
    ]);
    expect(mapper.map('item/completed', { item: { type: 'webSearch', id: 'w' } }, 'L').events).toEqual([
      { type: 'raw', source: 'codex', line: 'L' },
    ]);
  });
});
