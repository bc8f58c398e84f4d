/** Gemini API (`POST …/v1beta/models/{m}:streamGenerateContent?alt=sse`) as Gemini CLI calls it. */
import type { FakeAnswer, FakeScript, FakeStep, StreamedAnswer } from './script.js';
import { answerFor, countToolResultParts, scriptUsage } from './script.js';

export function countGeminiToolResults(body: Record<string, unknown>): number {
  return countToolResultParts(body, 'contents', 'parts', (part) => !!part && 'functionResponse' in part);
}

export function geminiAnswer(step: FakeStep): FakeAnswer {
  return answerFor(step, {
    idPrefix: 'g',
    shell: (command) => ({ name: 'run_shell_command', input: { command, description: 'run a command' } }),
    writeFile: (path, content) => ({ name: 'write_file', input: { file_path: path, content } }),
    errorBody: (status) => ({ error: { code: status, message: `fake error ${status}`, status: 'INTERNAL' } }),
  });
}

/** A 429 quota error whose RetryInfo asks for a retry after `retryDelaySeconds` (Gemini CLI exits 173). */
export function geminiQuotaError(retryDelaySeconds: number): FakeStep {
  return {
    error: {
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'Quota exceeded',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryDelaySeconds}s` }],
        },
      },
    },
  };
}

export function geminiSse(answer: StreamedAnswer, model: string, script: FakeScript): string {
  const usage = scriptUsage(script);
  const groups: unknown[][] = [];
  if (answer.reasoning) groups.push([{ text: answer.reasoning, thought: true }]);
  if (answer.text) groups.push([{ text: answer.text }]);
  if (answer.kind === 'tool') groups.push([{ functionCall: { name: answer.call.name, args: answer.call.input } }]);
  if (groups.length === 0) groups.push([{ text: '' }]);
  const usageMetadata = {
    promptTokenCount: usage.input,
    candidatesTokenCount: usage.output,
    totalTokenCount: usage.input + usage.output,
    cachedContentTokenCount: usage.cached ?? 0,
  };
  const chunks = groups.map((parts, n) => {
    const last = n === groups.length - 1;
    return {
      candidates: [{ content: { role: 'model', parts }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
      modelVersion: model,
      ...(last ? { usageMetadata } : {}),
    };
  });
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join('');
}
