/** OpenAI Responses API (`POST …/responses`, SSE) as Codex calls it through a custom provider. */
import type { FakeAnswer, FakeScript, FakeStep, StreamedAnswer } from './script.js';
import { answerFor, fakeCallId, scriptUsage } from './script.js';

export function countResponsesToolResults(body: Record<string, unknown>): number {
  const input = Array.isArray(body.input) ? body.input : [];
  return (input as { type?: string }[]).filter(
    (item) => typeof item?.type === 'string' && item.type.endsWith('_call_output'),
  ).length;
}

/** An `apply_patch` patch that adds `path` with `content` (Codex's freeform patch grammar). */
export function addFilePatch(path: string, content: string): string {
  const lines = content
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `+${line}`);
  return ['*** Begin Patch', `*** Add File: ${path}`, ...lines, '*** End Patch'].join('\n');
}

export function responsesAnswer(step: FakeStep): FakeAnswer {
  return answerFor(step, {
    idPrefix: 'call_',
    shell: (command) => ({ name: 'exec_command', input: { cmd: command } }),
    writeFile: (path, content) => ({ name: 'apply_patch', input: addFilePatch(path, content), freeform: true }),
    errorBody: (status) => ({ error: { message: `fake error ${status}`, type: 'server_error' } }),
  });
}

/** Codex's usage limit: a 429 saying the limit resets at `resetsAt` (Unix seconds), an hour away. */
export function usageLimitError(resetsAt: number): FakeStep {
  return {
    error: {
      status: 429,
      headers: { 'retry-after': '3600' },
      body: {
        error: {
          type: 'usage_limit_reached',
          message: 'The usage limit has been reached',
          resets_at: resetsAt,
          resets_in_seconds: 3600,
        },
      },
    },
  };
}

export function responsesSse(answer: StreamedAnswer, model: string, script: FakeScript): string {
  const usage = scriptUsage(script);
  const responseId = fakeCallId('resp_');
  const items: Record<string, unknown>[] = [];
  if (answer.reasoning)
    items.push({
      type: 'reasoning',
      id: fakeCallId('rs_'),
      summary: [{ type: 'summary_text', text: answer.reasoning }],
    });
  if (answer.text)
    items.push({
      type: 'message',
      id: fakeCallId('msg_'),
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: answer.text, annotations: [] }],
    });
  if (answer.kind === 'tool') {
    items.push(
      answer.call.freeform
        ? {
            type: 'custom_tool_call',
            id: fakeCallId('ctc_'),
            status: 'completed',
            call_id: answer.call.id,
            name: answer.call.name,
            input: answer.call.input,
          }
        : {
            type: 'function_call',
            id: fakeCallId('fc_'),
            status: 'completed',
            call_id: answer.call.id,
            name: answer.call.name,
            ...(answer.call.namespace ? { namespace: answer.call.namespace } : {}),
            arguments: JSON.stringify(answer.call.input),
          },
    );
  }
  const base = {
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    status: 'in_progress',
    output: [],
  };
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: base },
    { type: 'response.in_progress', response: base },
  ];
  items.forEach((item, outputIndex) => {
    events.push({ type: 'response.output_item.added', output_index: outputIndex, item });
    events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  });
  events.push({
    type: 'response.completed',
    response: {
      ...base,
      status: 'completed',
      output: items,
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: usage.cached ?? 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    },
  });
  return events
    .map((event, n) => `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: n })}\n\n`)
    .join('');
}
