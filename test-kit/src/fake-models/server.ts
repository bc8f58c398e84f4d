/**
 * One scripted fake model server speaking three provider APIs on a real HTTP port (port 0):
 *   Anthropic Messages   POST {prefix}/v1/messages
 *   OpenAI Responses     POST {prefix}/v1/responses   (Codex custom provider base_url = {prefix}/v1)
 *   Gemini               POST {prefix}/v1beta/models/{model}:streamGenerateContent
 * `{prefix}` is `/s/<name>` to pick the script registered under `name` (so one server serves many
 * tests at once), or empty for the default script. Anything else (HEAD /, model lists, token
 * counts) gets a harmless answer and is logged; unknown body fields are ignored.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicAnswer, anthropicSse, countAnthropicToolResults } from './anthropic.js';
import { countGeminiToolResults, geminiAnswer, geminiSse } from './gemini.js';
import { countResponsesToolResults, responsesAnswer, responsesSse } from './openai-responses.js';
import { stepFor, type FakeAnswer, type FakeScript, type FakeStep } from './script.js';

export type FakeApi = 'anthropic' | 'openai' | 'gemini';

export interface FakeRequestRecord {
  api: FakeApi | 'other';
  script: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | undefined;
  toolResults: number;
  answered: 'text' | 'tool' | 'error' | 'hang' | 'other';
}

export interface FakeModelServer {
  /** `http://127.0.0.1:PORT` (append `/s/<name>` via `baseUrl(name)` to use a named script). */
  url: string;
  baseUrl(script?: string): string;
  setScript(name: string, script: FakeScript): void;
  requests: FakeRequestRecord[];
  requestsFor(script: string): FakeRequestRecord[];
  close(): Promise<void>;
}

const DEFAULT = 'default';

async function readBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function route(pathname: string): { api: FakeApi | 'other'; script: string; model?: string } {
  const scriptMatch = /^\/s\/([^/]+)/.exec(pathname);
  const script = scriptMatch ? decodeURIComponent(scriptMatch[1]!) : DEFAULT;
  if (/\/v1\/messages$/.test(pathname)) return { api: 'anthropic', script };
  if (/\/v1\/responses$/.test(pathname)) return { api: 'openai', script };
  const gemini = /\/v1beta\/models\/([^/:]+):streamGenerateContent$/.exec(pathname);
  if (gemini) return { api: 'gemini', script, model: decodeURIComponent(gemini[1]!) };
  return { api: 'other', script };
}

function sendError(response: ServerResponse, answer: Extract<FakeAnswer, { kind: 'error' }>): void {
  response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
}

export async function startFakeModelServer(scripts: Record<string, FakeScript> = {}): Promise<FakeModelServer> {
  const registry = new Map<string, FakeScript>(Object.entries(scripts));
  const requests: FakeRequestRecord[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const body = request.method === 'POST' ? await readBody(request) : undefined;
    const { api, script: scriptName, model: pathModel } = route(url.pathname);
    const record: FakeRequestRecord = {
      api,
      script: scriptName,
      method: request.method ?? '',
      path: url.pathname + url.search,
      headers: request.headers,
      body,
      toolResults: 0,
      answered: 'other',
    };
    requests.push(record);
    if (api === 'other' || request.method !== 'POST' || !body) {
      // Side requests: Bun's HEAD / preflight, token counting, model metadata…
      if (url.pathname.endsWith('/count_tokens')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 1000 }));
        return;
      }
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `fake model server: nothing at ${request.method} ${url.pathname}` } }));
      return;
    }
    const script = registry.get(scriptName);
    if (!script) {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `fake model server: no script named "${scriptName}"` } }));
      return;
    }
    const model = pathModel ?? (typeof body.model === 'string' ? body.model : 'fake-model');
    const toolResults =
      api === 'anthropic'
        ? countAnthropicToolResults(body)
        : api === 'openai'
          ? countResponsesToolResults(body)
          : countGeminiToolResults(body);
    record.toolResults = toolResults;
    const step: FakeStep = stepFor(script, toolResults);
    const answer =
      api === 'anthropic' ? anthropicAnswer(step) : api === 'openai' ? responsesAnswer(step) : geminiAnswer(step);
    record.answered = answer.kind;
    if (answer.kind === 'error') return sendError(response, answer);
    if (answer.kind === 'hang') {
      response.writeHead(200, { 'content-type': 'text/event-stream' }); // headers only, then nothing
      return;
    }
    const sse =
      api === 'anthropic'
        ? anthropicSse(answer, model, script)
        : api === 'openai'
          ? responsesSse(answer, model, script)
          : geminiSse(answer, model, script);
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.end(sse);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `fake model server failed: ${String(error)}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: (script?: string) => (script ? `${url}/s/${encodeURIComponent(script)}` : url),
    setScript: (name, script) => void registry.set(name, script),
    requests,
    requestsFor: (script) => requests.filter((record) => record.script === script),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
