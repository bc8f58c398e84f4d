import type { RunEvent } from '@openase/shared/events/run-events';
import { describe, expect, it } from 'vitest';
import { checkedEvents, fixtureLines, protocolInLines } from '../common/fixtures.js';
import { ClaudeStreamMapper, type ClaudeMapped } from './stream-mapper.js';

const here = import.meta.dirname;

function mapAll(lines: string[], rules = { allow: [] as string[], deny: [] as string[] }, workdir?: string) {
  const mapper = new ClaudeStreamMapper(rules, workdir);
  const mapped: ClaudeMapped[] = lines.map((line) => mapper.map(line));
  const events: RunEvent[] = mapped.flatMap((m) => m.events);
  const of = checkedEvents(events);
  return { mapper, mapped, events, of };
}

describe('claude stream mapper over captured output', () => {
  it('maps every line of every captured stream (no raw events for known types)', () => {
    for (const name of [
      'claude-stream.jsonl',
      'claude-stream-multi-tools.jsonl',
      'claude-stream-permission-denied.jsonl',
      'claude-stream-api-error.jsonl',
      'claude-stream-mcp.jsonl',
      'claude-stream-partial.jsonl',
    ]) {
      const { of } = mapAll(fixtureLines(here, name));
      expect(of('raw'), name).toEqual([]);
      expect(of('session.started'), name).toHaveLength(1);
    }
  });

  it('maps init, text, tool calls, Bash results, Write and Edit file changes and the result', () => {
    const { of, mapped } = mapAll(fixtureLines(here, 'claude-stream-multi-tools.jsonl'), undefined, '/srv/ws/repo3');
    expect(of('session.started')[0]).toMatchObject({
      sessionId: '9e50db0a-4fb8-4b7b-857d-57bbef02f72d',
      model: 'claude-opus-4-8[1m]',
      cliVersion: '2.1.197',
    });
    expect(of('message').map((m) => m.text)).toEqual(['Running a command first.', 'all done']);
    expect(of('tool.call').map((c) => c.name)).toEqual(['Bash', 'Write', 'Edit']);
    expect(of('command')).toEqual([
      {
        type: 'command',
        id: 'toolu_5a09c595733abb6a89e6f35d',
        command: 'echo hello-from-bash',
        status: 'completed',
        exitCode: 0,
        output: 'hello-from-bash',
      },
    ]);
    expect(of('file.change')).toEqual([
      { type: 'file.change', path: 'a.txt', kind: 'add', diff: '+one\n+' },
      { type: 'file.change', path: 'a.txt', kind: 'update', diff: '@@ -1,1 +1,1 @@\n-one\n+two' },
    ]);
    const result = mapped.find((m) => m.result)!.result!;
    expect(result).toMatchObject({
      ok: true,
      subtype: 'success',
      text: 'all done',
      usage: { inputTokens: 76829, outputTokens: 17, cachedTokens: 0 },
    });
    expect(result.totalCostUsd).toBeCloseTo(0.38457);
  });

  it('marks a permission refusal as denied, and a plain tool failure as not denied', () => {
    const { of, mapped } = mapAll(fixtureLines(here, 'claude-stream-permission-denied.jsonl'));
    const results = of('tool.result');
    expect(results.map((r) => [r.ok, r.denied ?? false])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
    expect(mapped.find((m) => m.result)!.result!.permissionDenials).toEqual(['Write']);
  });

  it('marks a tool the harness denies as denied when the CLI refuses it', () => {
    const { of } = mapAll(fixtureLines(here, 'claude-stream-permission-denied.jsonl'), { allow: [], deny: ['Edit'] });
    expect(of('tool.result')[2]).toMatchObject({ ok: false, denied: true });
  });

  it('maps an API error: retry notice, then a failed result with the provider status', () => {
    const { of, mapped } = mapAll(fixtureLines(here, 'claude-stream-api-error.jsonl'));
    expect(of('error')).toEqual([
      { type: 'error', message: 'API error 500 server_error: retry 1 of 1', fatal: false, code: 'api_retry' },
    ]);
    expect(mapped.find((m) => m.result)!.result).toMatchObject({
      ok: false,
      apiErrorStatus: 500,
      text: expect.stringContaining('fake internal error'),
    });
    expect(of('rate_limit')).toEqual([]);
  });

  it('maps MCP tool results whose content is an array', () => {
    const { of } = mapAll(fixtureLines(here, 'claude-stream-mcp.jsonl'));
    expect(of('tool.call')[0]!.name).toMatch(/^mcp__tickets__/);
    expect(of('tool.result')[0]).toMatchObject({ ok: true, output: expect.stringContaining('T-42') });
  });

  it('turns partial-message text deltas into delta messages and drops nothing else', () => {
    const { of } = mapAll(fixtureLines(here, 'claude-stream-partial.jsonl'));
    const deltas = of('message').filter((m) => m.delta);
    expect(deltas.length).toBeGreaterThan(0);
    expect(of('message').filter((m) => !m.delta).length).toBeGreaterThan(0);
  });

  it('extracts can_use_tool requests from the control protocol', () => {
    const { mapped } = mapAll(protocolInLines(here, 'claude-control-protocol.jsonl'));
    const permission = mapped.find((m) => m.permission)!.permission!;
    expect(permission).toMatchObject({
      toolName: 'Write',
      toolUseId: 'toolu_c5cad16faf91aab85392fcd8',
      input: { content: 'Hello from the fake model!\n' },
    });
    expect(mapped.some((m) => m.controlResponse?.ok)).toBe(true);
  });

  it('keeps unknown and broken lines as raw events', () => {
    const { events } = mapAll(['not json', '{"type":"brand_new","x":1}', '{"type":"system","subtype":"new_thing"}']);
    expect(events).toEqual([
      { type: 'raw', source: 'claude', line: 'not json' },
      { type: 'raw', source: 'claude', line: '{"type":"brand_new","x":1}' },
      { type: 'raw', source: 'claude', line: '{"type":"system","subtype":"new_thing"}' },
    ]);
  });

  it('reads a rate_limit_event with its reset time and a 429 result', () => {
    const { of } = mapAll([
      '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1795500000,"rateLimitType":"five_hour"}}',
      '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}',
      '{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"API Error: Request rejected (429) · try again in 30s"}',
    ]);
    expect(of('rate_limit')[0]).toEqual({
      type: 'rate_limit',
      message: 'rate limit rejected (five_hour)',
      resetAt: new Date(1795500000 * 1000).toISOString(),
    });
    expect(of('rate_limit')).toHaveLength(2);
  });
});
