import type { RunEvent } from '@openase/shared/events/run-events';
import { describe, expect, it } from 'vitest';
import { checkedEvents, fixtureLines } from '../common/fixtures.js';
import { GeminiStreamMapper, type GeminiMapped } from './stream-mapper.js';

const here = import.meta.dirname;

function mapAll(lines: string[], workdir?: string) {
  const mapper = new GeminiStreamMapper({ workdir, existedBefore: () => false, mcpServers: ['tickets'] });
  const mapped: GeminiMapped[] = lines.map((line) => mapper.map(line));
  const events: RunEvent[] = [...mapped.flatMap((m) => m.events), ...mapper.flushText()];
  const of = checkedEvents(events);
  return { mapper, mapped, events, of, result: mapped.find((m) => m.result)?.result };
}

describe('gemini stream mapper over captured output', () => {
  it('maps every line of every captured stream', () => {
    for (const name of ['gemini-stream.jsonl', 'gemini-stream-multi-tools.jsonl', 'gemini-stream-api-error.jsonl']) {
      const { of, result } = mapAll(fixtureLines(here, name));
      expect(of('raw'), name).toEqual([]);
      expect(of('session.started'), name).toHaveLength(1);
      expect(result, name).toBeDefined();
    }
  });

  it('maps deltas, a complete message, tools, shell commands and file changes, and the stats', () => {
    const { of, result } = mapAll(fixtureLines(here, 'gemini-stream-multi-tools.jsonl'), '/srv/ws/grepo');
    expect(of('session.started')[0]).toEqual({
      type: 'session.started',
      sessionId: 'f6e03a17-5544-4d9f-88f7-f2110bd45163',
      model: 'gemini-2.5-pro',
    });
    expect(
      of('message')
        .filter((m) => !m.delta)
        .map((m) => m.text),
    ).toEqual(['Running a command.', 'all done']);
    expect(of('message').filter((m) => m.delta)).toHaveLength(2);
    expect(of('tool.call').map((c) => c.name)).toEqual(['run_shell_command', 'write_file', 'replace']);
    // A failing shell command still reports status "success" in Gemini: the output tells.
    expect(of('command').at(-1)).toMatchObject({
      command: 'ls /nonexistent-dir',
      status: 'completed',
      output: expect.stringContaining('No such file'),
    });
    expect(of('file.change')).toEqual([
      { type: 'file.change', path: 'a.txt', kind: 'add', diff: '+one\n+' },
      { type: 'file.change', path: 'a.txt', kind: 'update', diff: '-one\n+two' },
    ]);
    expect(result).toEqual({ ok: true, usage: { inputTokens: 49489, outputTokens: 28, cachedTokens: 0 } });
  });

  it('names MCP tools like the other CLIs do', () => {
    const { of } = mapAll([
      '{"type":"tool_use","tool_name":"mcp_tickets_lookup_ticket","tool_id":"m","parameters":{"id":"T-1"}}',
      '{"type":"tool_use","tool_name":"mcp_other_x","tool_id":"n","parameters":{}}',
    ]);
    expect(of('tool.call').map((c) => c.name)).toEqual(['mcp__tickets__lookup_ticket', 'mcp_other_x']);
  });

  it('maps an API error result', () => {
    const { result, of } = mapAll(fixtureLines(here, 'gemini-stream-api-error.jsonl'));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('fake bad request') });
    expect(of('rate_limit')).toEqual([]);
  });

  it('maps non-fatal errors, failed and denied tools, quota errors, and keeps unknown lines raw', () => {
    const { events } = mapAll([
      '{"type":"init","session_id":"s1","model":"m"}',
      '{"type":"tool_use","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"rm -rf /"}}',
      '{"type":"tool_result","tool_id":"t1","status":"error","error":{"type":"x","message":"Tool execution denied by policy."}}',
      '{"type":"error","severity":"warning","message":"Loop detected"}',
      '{"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: Quota exceeded\\nSuggested retry after 60s.]"},"stats":{}}',
      'plain text',
      '{"type":"new_kind"}',
    ]);
    expect(events.filter((e) => e.type === 'tool.result')).toEqual([
      { type: 'tool.result', id: 't1', ok: false, denied: true, output: 'Tool execution denied by policy.' },
    ]);
    expect(events.find((e) => e.type === 'error')).toEqual({
      type: 'error',
      message: 'Loop detected',
      fatal: false,
      code: 'warning',
    });
    expect(events.find((e) => e.type === 'rate_limit')).toMatchObject({ resetAt: expect.any(String) });
    expect(
      mapAll([
        '{"type":"tool_use","tool_name":"write_file","tool_id":"w","parameters":{"file_path":"a"}}',
        '{"type":"tool_result","tool_id":"w","status":"error","error":{"message":"Tool \\"write_file\\" not found. Did you mean one of: \\"read_file\\"?"}}',
      ]).of('tool.result')[0],
    ).toMatchObject({ ok: false, denied: true });
    expect(events.filter((e) => e.type === 'raw').map((e) => (e as { line: string }).line)).toEqual([
      'plain text',
      '{"type":"new_kind"}',
    ]);
  });
});
