/** The scripted fake model servers other tests rely on: wire formats, step selection, tolerance. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from '@openase/test-kit/fake-models';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer({
    s: {
      steps: [
        { shell: 'echo hi', text: 'Running.' },
        { writeFile: { path: 'a.txt', content: 'x\n' } },
        { text: 'done', reasoning: 'thinking' },
      ],
    },
    err: {
      steps: [{ error: { status: 429, headers: { 'retry-after': '30' }, body: { error: { message: 'slow down' } } } }],
    },
  });
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const sseData = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);

describe('fake model servers', () => {
  it('answers Anthropic Messages by the number of tool results, tolerating system messages and unknown fields', async () => {
    const first = await post('/s/s/v1/messages?beta=true', {
      model: 'claude-x',
      stream: true,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'go' },
      ],
      whatever: 1,
    });
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    const events = sseData(await first.text());
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]).toMatchObject({ content_block: { type: 'tool_use', name: 'Bash' } });
    expect(JSON.parse((events[5]!.delta as { partial_json: string }).partial_json)).toEqual({
      command: 'echo hi',
      description: 'run a command',
    });
    const second = sseData(
      await (
        await post('/s/s/v1/messages', {
          messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'hi' }] }],
        })
      ).text(),
    );
    expect(second[1]).toMatchObject({ content_block: { type: 'tool_use', name: 'Write' } });
    const third = sseData(
      await (
        await post('/s/s/v1/messages', {
          messages: [{ role: 'user', content: [{ type: 'tool_result' }, { type: 'tool_result' }] }],
        })
      ).text(),
    );
    expect(
      third.filter((e) => e.type === 'content_block_start').map((e) => (e.content_block as { type: string }).type),
    ).toEqual(['thinking', 'text']);
    expect(third.at(-2)).toMatchObject({ delta: { stop_reason: 'end_turn' } });
  });

  it('answers OpenAI Responses with function calls and apply_patch custom calls', async () => {
    const first = sseData(
      await (await post('/s/s/v1/responses', { input: [{ type: 'message', role: 'user', content: [] }] })).text(),
    );
    expect(first.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(first[5]).toMatchObject({
      item: { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"echo hi"}' },
    });
    const second = sseData(
      await (
        await post('/s/s/v1/responses', { input: [{ type: 'function_call_output', call_id: 'c', output: 'hi' }] })
      ).text(),
    );
    expect(second.find((e) => e.type === 'response.output_item.done')).toMatchObject({
      item: {
        type: 'custom_tool_call',
        name: 'apply_patch',
        input: '*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch',
      },
    });
    expect(second.at(-1)).toMatchObject({ response: { usage: { input_tokens: 1000, output_tokens: 10 } } });
  });

  it('answers Gemini streamGenerateContent with function calls', async () => {
    const first = sseData(
      await (
        await post('/s/s/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
          contents: [{ role: 'user', parts: [{ text: 'go' }] }],
        })
      ).text(),
    );
    expect(first.at(-1)).toMatchObject({
      candidates: [
        {
          content: { parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'echo hi' } } }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 1000 },
    });
    const second = sseData(
      await (
        await post('/s/s/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
          contents: [{ role: 'user', parts: [{ functionResponse: { name: 'x', response: {} } }] }],
        })
      ).text(),
    );
    expect(second.at(-1)).toMatchObject({
      candidates: [{ content: { parts: [{ functionCall: { name: 'write_file' } }] } }],
    });
  });

  it('sends scripted HTTP errors with their headers, and harmless answers to side requests', async () => {
    const error = await post('/s/err/v1/messages', { messages: [] });
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('30');
    expect(await error.json()).toEqual({ error: { message: 'slow down' } });
    expect((await fetch(server.url, { method: 'HEAD' })).status).toBe(404);
    expect((await post('/s/nope/v1/messages', { messages: [] })).status).toBe(500);
    expect((await post('/s/s/v1/messages/count_tokens', {})).status).toBe(200);
    expect((await fetch(`${server.url}/s/s/v1/messages`, { method: 'POST', body: 'not json' })).status).toBe(404);
    expect(server.requestsFor('err')).toEqual([
      expect.objectContaining({ api: 'anthropic', answered: 'error', toolResults: 0 }),
    ]);
  });
});
