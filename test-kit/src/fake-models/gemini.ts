/** Gemini API (`POST …/v1beta/models/{m}:streamGenerateContent?alt=sse`) as Gemini CLI calls it. */
import type { FakeAnswer, FakeScript, FakeStep } from './script.js';
import { answerFor } from './script.js';

export function countGeminiToolResults(body: Record<string, unknown>): number {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  let count = 0;
  for (const content of contents as { parts?: unknown }[]) {
    if (Array.isArray(content?.parts))
      count += (content.parts as Record<string, unknown>[]).filter((part) => part && 'functionResponse' in part).length;
  }
  return count;
}

export function geminiAnswer(step: FakeStep): FakeAnswer {
  return answerFor(step, {
    idPrefix: 'g',
    shell: (command) => ({ name: 'run_shell_command', input: { command, description: 'run a command' } }),
    writeFile: (path, content) => ({ name: 'write_file', input: { file_path: path, content } }),
    errorBody: (status) => ({ error: { code: status, message: `fake error ${status}`, status: 'INTERNAL' } }),
  });
}

export function geminiSse(
  answer: Extract<FakeAnswer, { kind: 'text' | 'tool' }>,
  model: string,
  script: FakeScript,
): string {
  const usage = script.usage ?? { input: 1000, output: 10 };
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
