/** Anthropic Messages API (`POST …/v1/messages`, SSE) as Claude Code calls it. */
import type { FakeAnswer, FakeScript, FakeStep, StreamedAnswer } from './script.js';
import { answerFor, countToolResultParts, fakeCallId, scriptUsage } from './script.js';

export function countAnthropicToolResults(body: Record<string, unknown>): number {
  return countToolResultParts(body, 'messages', 'content', (block) => block?.type === 'tool_result');
}

export function anthropicAnswer(step: FakeStep): FakeAnswer {
  return answerFor(step, {
    idPrefix: 'toolu_',
    shell: (command) => ({ name: 'Bash', input: { command, description: 'run a command' } }),
    writeFile: (path, content) => ({ name: 'Write', input: { file_path: path, content } }),
    errorBody: (status) => ({ type: 'error', error: { type: 'api_error', message: `fake error ${status}` } }),
  });
}

/**
 * Claude Code's rate limit: a 429 whose unified rate-limit headers and message state the reset
 * at `resetMs` (whole seconds, about an hour away: retry-after says 3600).
 */
export function anthropicRateLimitError(resetMs: number): FakeStep {
  const iso = new Date(resetMs).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    error: {
      status: 429,
      headers: {
        'retry-after': '3600',
        'anthropic-ratelimit-unified-status': 'rejected',
        'anthropic-ratelimit-unified-reset': String(Math.floor(resetMs / 1000)),
      },
      body: { type: 'error', error: { type: 'rate_limit_error', message: `rate limited until ${iso}` } },
    },
  };
}

export function anthropicSse(answer: StreamedAnswer, model: string, script: FakeScript): string {
  const usage = scriptUsage(script);
  const events: [string, unknown][] = [];
  events.push([
    'message_start',
    {
      type: 'message_start',
      message: {
        id: fakeCallId('msg_'),
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: usage.cached ?? 0,
          output_tokens: 1,
        },
      },
    },
  ]);
  let index = 0;
  const textBlock = (text: string) => {
    events.push([
      'content_block_start',
      { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
    ]);
    events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  };
  if (answer.reasoning) {
    events.push([
      'content_block_start',
      { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
    ]);
    events.push([
      'content_block_delta',
      { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: answer.reasoning } },
    ]);
    events.push([
      'content_block_delta',
      { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'fake-signature' } },
    ]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  }
  if (answer.text) textBlock(answer.text);
  if (answer.kind === 'tool') {
    events.push([
      'content_block_start',
      {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: answer.call.id, name: answer.call.name, input: {} },
      },
    ]);
    events.push([
      'content_block_delta',
      {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(answer.call.input) },
      },
    ]);
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  }
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: answer.kind === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}
