/** Gemini API (`POST …/v1beta/models/{m}:streamGenerateContent?alt=sse`) as Gemini CLI calls it. */
import type { FakeAnswer, FakeScript, FakeStep } from './script.js';
import { fakeCallId } from './script.js';

export function countGeminiToolResults(body: Record<string, unknown>): number {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  let count = 0;
  for (const content of contents as { parts?: unknown }[]) {
    if (Array.isArray(content?.parts)) count += (content.parts as Record<string, unknown>[]).filter((part) => part && 'functionResponse' in part).length;
  }
  return count;
}

export function geminiAnswer(step: FakeStep): FakeAnswer {
  if ('error' in step) return { kind: 'error', status: step.error.status, body: step.error.body ?? { error: { code: step.error.status, message: `fake error ${step.error.status}`, status: 'INTERNAL' } }, headers: step.error.headers ?? {} };
  const extra = { ...(step.text !== undefined ? { text: step.text } : {}), ...(step.reasoning ? { reasoning: step.reasoning } : {}) };
  if ('shell' in step) return { kind: 'tool', ...extra, call: { id: fakeCallId('g'), name: 'run_shell_command', input: { command: step.shell, description: 'run a command' } } };
  if ('writeFile' in step) return { kind: 'tool', ...extra, call: { id: fakeCallId('g'), name: 'write_file', input: { file_path: step.writeFile.path, content: step.writeFile.content } } };
  if ('tool' in step) return { kind: 'tool', ...extra, call: { id: fakeCallId('g'), name: step.tool.name, input: step.tool.input } };
  return { kind: 'text', text: step.text, ...(step.reasoning ? { reasoning: step.reasoning } : {}) };
}

export function geminiSse(answer: Exclude<FakeAnswer, { kind: 'error' }>, model: string, script: FakeScript): string {
  const usage = script.usage ?? { input: 1000, output: 10 };
  const groups: unknown[][] = [];
  if (answer.reasoning) groups.push([{ text: answer.reasoning, thought: true }]);
  if (answer.text) groups.push([{ text: answer.text }]);
  if (answer.kind === 'tool') groups.push([{ functionCall: { name: answer.call.name, args: answer.call.input } }]);
  if (groups.length === 0) groups.push([{ text: '' }]);
  const usageMetadata = { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output, cachedContentTokenCount: usage.cached ?? 0 };
  const chunks = groups.map((parts, n) => {
    const last = n === groups.length - 1;
    return { candidates: [{ content: { role: 'model', parts }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }], modelVersion: model, ...(last ? { usageMetadata } : {}) };
  });
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join('');
}
