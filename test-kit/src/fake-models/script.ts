/**
 * The one script format all fake model servers share. The server answers a request with step N,
 * where N = the number of tool results already in the request (so a CLI's retries and side
 * requests don't advance the script). Past the end, the last step repeats.
 *
 * A step is a text answer, a tool call (portable `shell` / `writeFile`, or a raw per-API `tool`),
 * or an HTTP error. `text` before a tool call is sent as a text block in the same answer.
 */
export type FakeStep =
  | { text: string; reasoning?: string }
  | { shell: string; text?: string; reasoning?: string }
  | { writeFile: { path: string; content: string }; text?: string; reasoning?: string }
  /**
   * A raw tool call: `name` and `input` exactly as the CLI's tool expects (e.g. codex `apply_patch` takes a patch
   * string).
   */
  | { tool: { name: string; input: unknown; namespace?: string }; text?: string; reasoning?: string }
  | { error: { status: number; body?: unknown; headers?: Record<string, string> } }
  /**
   * Never answer (the request stays open until the client gives up or the server closes): for interrupt and timeout
   * tests.
   */
  | { hang: true };

export interface FakeScript {
  steps: FakeStep[];
  /** Tokens reported per answer (default 1000 in, 10 out). */
  usage?: { input: number; output: number; cached?: number };
}

export function stepFor(script: FakeScript, toolResults: number): FakeStep {
  const steps = script.steps.length > 0 ? script.steps : [{ text: 'done' }];
  return steps[Math.min(toolResults, steps.length - 1)]!;
}

/** What a server answers, independent of the API's wire format. */
export type FakeAnswer =
  | { kind: 'text'; text: string; reasoning?: string }
  | {
      kind: 'tool';
      text?: string;
      reasoning?: string;
      call: { id: string; name: string; input: unknown; freeform?: boolean; namespace?: string };
    }
  | { kind: 'error'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'hang' };

/** An answer sent as an SSE stream (not an error, not a hang). */
export type StreamedAnswer = Extract<FakeAnswer, { kind: 'text' | 'tool' }>;

/** The tokens a script reports per answer (default 1000 in, 10 out). */
export const scriptUsage = (script: FakeScript) => script.usage ?? { input: 1000, output: 10 };

/** How many of the parts (`body[list][i][parts][j]`) of a request's turns are tool results, by `isResult`. */
export function countToolResultParts(
  body: Record<string, unknown>,
  list: string,
  parts: string,
  isResult: (part: Record<string, unknown> | undefined) => boolean,
): number {
  const turns = Array.isArray(body[list]) ? (body[list] as Record<string, unknown>[]) : [];
  let count = 0;
  for (const turn of turns) {
    const inTurn = turn?.[parts];
    if (Array.isArray(inTurn)) count += (inTurn as (Record<string, unknown> | undefined)[]).filter(isResult).length;
  }
  return count;
}

let callCounter = 0;
export const fakeCallId = (prefix: string) =>
  `${prefix}${(++callCounter).toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`;

/** How one API names the portable steps' tool calls and its default error body. */
export interface ApiDialect {
  idPrefix: string;
  shell(command: string): { name: string; input: unknown; freeform?: boolean };
  writeFile(path: string, content: string): { name: string; input: unknown; freeform?: boolean };
  errorBody(status: number): unknown;
}

/** The answer to a step, in a dialect's tool names. */
export function answerFor(step: FakeStep, dialect: ApiDialect): FakeAnswer {
  if ('hang' in step) return { kind: 'hang' };
  if ('error' in step)
    return {
      kind: 'error',
      status: step.error.status,
      body: step.error.body ?? dialect.errorBody(step.error.status),
      headers: step.error.headers ?? {},
    };
  const extra = {
    ...(step.text !== undefined ? { text: step.text } : {}),
    ...(step.reasoning ? { reasoning: step.reasoning } : {}),
  };
  const call =
    'shell' in step
      ? dialect.shell(step.shell)
      : 'writeFile' in step
        ? dialect.writeFile(step.writeFile.path, step.writeFile.content)
        : 'tool' in step
          ? {
              name: step.tool.name,
              input: step.tool.input,
              freeform: typeof step.tool.input === 'string',
              ...(step.tool.namespace ? { namespace: step.tool.namespace } : {}),
            }
          : undefined;
  if (!call)
    return {
      kind: 'text',
      text: ('text' in step ? step.text : undefined) ?? '',
      ...(step.reasoning ? { reasoning: step.reasoning } : {}),
    };
  return { kind: 'tool', ...extra, call: { id: fakeCallId(dialect.idPrefix), ...call } };
}
