/**
 * The real Gemini CLI (pinned, installed on demand) driven by the adapter — one process per turn —
 * in a real git worktree against the in-repo scripted Gemini API server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentRunSpecSchema, type AgentRunSpecInput } from '@openase/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents } from '../../../test-support/events.js';
import { startFakeModelServer, type FakeModelServer } from '../../../test-support/fake-models/index.js';
import { ensureCli } from '../../../test-support/real-clis.js';
import { createTestWorkspace, type TestWorkspace } from '../../../test-support/workspace.js';
import { startGeminiSession } from './session.js';

let server: FakeModelServer;
let gemini: string;
const workspaces: TestWorkspace[] = [];
const pricing = { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.31 };

beforeAll(async () => {
  gemini = ensureCli('gemini');
  server = await startFakeModelServer();
}, 600_000);
afterAll(async () => {
  await server?.close();
  for (const ws of workspaces) ws.remove();
});

async function session(script: string, extra: Partial<AgentRunSpecInput> = {}, existing?: TestWorkspace) {
  const ws = existing ?? createTestWorkspace('gemini');
  if (!existing) workspaces.push(ws);
  const collected = collectEvents();
  const spec = agentRunSpecSchema.parse({ adapter: 'gemini', command: gemini, prompt: 'do the task', permissionMode: 'bypassPermissions', env: { GEMINI_API_KEY: 'dummy' }, provider: { baseUrl: server.baseUrl(script) }, pricing, ...extra });
  const agent = await startGeminiSession({ spec, workdir: ws.worktree, privateDir: ws.privateDir, onEvent: collected.onEvent });
  return { ws, agent, ...collected };
}

describe('gemini adapter with the real CLI', () => {
  it('writes a file with write_file, runs a shell command, finishes, and resumes the session on the next turn', async () => {
    const { ws, agent, invalid, of } = await session('happy', { systemPrompt: 'You follow the OpenASE harness.' });
    server.setScript('happy', { steps: [{ shell: 'echo hello-from-shell', text: 'Running a command first.' }, { writeFile: { path: path.join(ws.worktree, 'hello.txt'), content: 'Hello from the fake model!\n' } }, { text: 'done' }] });
    const outcome = await agent.runTurn();
    expect(outcome).toMatchObject({ ok: true, reason: 'completed', text: 'done', turn: 1 });
    expect(readFileSync(path.join(ws.worktree, 'hello.txt'), 'utf8')).toBe('Hello from the fake model!\n');
    expect(invalid).toEqual([]);
    expect(of('command').filter((c) => c.status !== 'started')).toEqual([expect.objectContaining({ command: 'echo hello-from-shell', status: 'completed' })]);
    expect(of('command').at(-1)!.output).toContain('hello-from-shell');
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')[0]).toMatchObject({ source: 'pricing', usd: (3000 * 1.25 + 30 * 10) / 1e6 });
    expect(JSON.stringify(server.requestsFor('happy').find((r) => r.api === 'gemini')!.body)).toContain('You follow the OpenASE harness.');

    const sessionId = agent.sessionId;
    const second = await agent.runTurn('and again');
    expect(second).toMatchObject({ ok: true, turn: 2, sessionId });
    expect(JSON.stringify(server.requestsFor('happy').filter((r) => r.api === 'gemini').at(-1)!.body)).toContain('do the task');
    await agent.close();
  });

  it('fails the turn with a clear error on an API error (exit 144), without hanging', async () => {
    server.setScript('e500', { steps: [{ error: { status: 400, body: { error: { code: 400, message: 'fake bad request', status: 'INVALID_ARGUMENT' } } } }] });
    const { agent, of } = await session('e500');
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(outcome.message).toContain('fake bad request');
    expect(of('error').at(-1)).toMatchObject({ fatal: true, code: 'exit_144' });
  });

  it('stops at the CLI session turn limit (exit 53)', async () => {
    server.setScript('maxturns', { steps: [{ shell: 'echo one' }, { shell: 'echo two' }, { shell: 'echo three' }, { text: 'never' }] });
    const { agent, events } = await session('maxturns', { cliMaxTurns: 1 });
    const first = await agent.runTurn();
    const outcome = first.ok ? await agent.runTurn('more') : first;
    await agent.close();
    console.log(JSON.stringify(events.filter((e) => e.type !== 'output')).slice(0, 3000), JSON.stringify(outcome));
    expect(outcome).toMatchObject({ ok: false, reason: 'max_turns' });
  });

  it('reports a 429 as a rate limit', async () => {
    const reset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    server.setScript('e429', { steps: [{ error: { status: 429, headers: { 'retry-after': '3600' }, body: { error: { code: 429, message: `Quota exceeded, retry after ${reset}`, status: 'RESOURCE_EXHAUSTED' } } } }] });
    const { agent, of, events } = await session('e429');
    const outcome = await agent.runTurn();
    await agent.close();
    console.log(JSON.stringify(events.filter((e) => e.type !== 'output')).slice(0, 3000), JSON.stringify(outcome));
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited', resetAt: new Date(reset).toISOString() });
    expect(of('rate_limit')[0]).toMatchObject({ resetAt: new Date(reset).toISOString() });
  });
});
