/**
 * The real Codex CLI (pinned, installed on demand) driven through `codex app-server` by the
 * adapter in a real git worktree against the in-repo scripted Responses server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { agentRunSpecSchema, type AgentRunSpecInput } from '@openase/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents } from '../../../test-support/events.js';
import { startFakeModelServer, type FakeModelServer } from '../../../test-support/fake-models/index.js';
import { ensureCli } from '../../../test-support/real-clis.js';
import { createTestWorkspace, type TestWorkspace } from '../../../test-support/workspace.js';
import { startCodexSession } from './session.js';

let server: FakeModelServer;
let codex: string;
const workspaces: TestWorkspace[] = [];
const pricing = { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 };

beforeAll(async () => {
  codex = ensureCli('codex');
  server = await startFakeModelServer();
}, 600_000);
afterAll(async () => {
  await server?.close();
  for (const ws of workspaces) ws.remove();
});

async function session(script: string, extra: Partial<AgentRunSpecInput> = {}, existing?: TestWorkspace) {
  const ws = existing ?? createTestWorkspace('codex');
  if (!existing) workspaces.push(ws);
  const collected = collectEvents();
  const spec = agentRunSpecSchema.parse({ adapter: 'codex', command: codex, prompt: 'do the task', env: { FAKE_OPENAI_API_KEY: 'dummy' }, provider: { baseUrl: `${server.baseUrl(script)}/v1`, apiKeyEnv: 'FAKE_OPENAI_API_KEY', maxRetries: 0 }, pricing, ...extra });
  const agent = await startCodexSession({ spec, workdir: ws.worktree, privateDir: ws.privateDir, onEvent: collected.onEvent });
  return { ws, agent, ...collected };
}

describe('codex adapter with the real CLI', () => {
  it('writes a file with apply_patch, runs a shell command (approved by the rules) and finishes with usage and cost', async () => {
    server.setScript('happy', { steps: [{ shell: 'echo hello-from-shell', text: 'Running a command first.', reasoning: 'Need to check the shell first.' }, { writeFile: { path: 'hello.txt', content: 'Hello from the fake model!\n' } }, { text: 'done' }] });
    const { ws, agent, invalid, of } = await session('happy', { systemPrompt: 'You follow the OpenASE harness.' });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, reason: 'completed', text: 'done', turn: 1 });
    expect(readFileSync(path.join(ws.worktree, 'hello.txt'), 'utf8')).toBe('Hello from the fake model!\n');
    expect(invalid).toEqual([]);
    expect(of('session.started')[0]).toMatchObject({ cliVersion: '0.169.0', model: 'gpt-5.5' });
    expect(of('command').filter((c) => c.status !== 'started')).toEqual([expect.objectContaining({ command: 'echo hello-from-shell', status: 'completed', exitCode: 0, output: 'hello-from-shell\n' })]);
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('reasoning')[0]!.text).toBe('Need to check the shell first.');
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')).toEqual([{ type: 'cost', usd: (3000 * 1.25 + 30 * 10) / 1e6, source: 'pricing', turn: 1 }]);
    const body = JSON.stringify(server.requestsFor('happy').find((r) => r.api === 'openai')!.body);
    expect(body).toContain('You follow the OpenASE harness.');
  });

  it('diffs thread-cumulative usage per turn and resumes the thread in a new run', async () => {
    server.setScript('turns', { steps: [{ text: 'ok' }] });
    const first = await session('turns');
    expect((await first.agent.runTurn()).ok).toBe(true);
    expect((await first.agent.runTurn('and again')).ok).toBe(true);
    await first.agent.close();
    expect(first.of('usage').map((u) => u.inputTokens)).toEqual([1000, 1000]);
    const second = await session('turns', { resumeSessionId: first.agent.sessionId!, prompt: 'continue please' }, first.ws);
    const outcome = await second.agent.runTurn();
    await second.agent.close();
    expect(outcome).toMatchObject({ ok: true, sessionId: first.agent.sessionId });
    expect(second.of('usage').map((u) => u.inputTokens)).toEqual([1000]);
    expect(JSON.stringify(server.requestsFor('turns').filter((r) => r.api === 'openai').at(-1)!.body)).toContain('and again');
  });

  it('declines a shell command the harness denies and records it as a denied tool call', async () => {
    server.setScript('deny', { steps: [{ shell: 'echo should-not-run > ran.txt' }, { text: 'could not run it' }] });
    const { ws, agent, of } = await session('deny', { tools: { allow: [], deny: ['Bash'] } });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, text: 'could not run it' });
    expect(of('tool.result')).toEqual([expect.objectContaining({ ok: false, denied: true })]);
    expect(of('command').at(-1)).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(ws.worktree, 'ran.txt'))).toBe(false);
  });

  it('fails the turn with the provider message on HTTP 500, without hanging', async () => {
    server.setScript('e500', { steps: [{ error: { status: 500, body: { error: { message: 'fake internal error', type: 'server_error' } } } }] });
    const { agent, of } = await session('e500');
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(of('result')).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('reports a 429 as a rate limit with the reset time', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 3600;
    server.setScript('e429', { steps: [{ error: { status: 429, headers: { 'retry-after': '3600' }, body: { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: resetsAt, resets_in_seconds: 3600 } } } }] });
    const { agent, of } = await session('e429');
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited' });
    // Codex states the reset as a local time of day in minutes; we round up to the next minute.
    const resetAt = Date.parse(of('rate_limit')[0]!.resetAt!);
    expect(resetAt).toBeGreaterThanOrEqual(resetsAt * 1000 - 60_000);
    expect(resetAt).toBeLessThanOrEqual(resetsAt * 1000 + 120_000);
    expect(outcome.resetAt).toBe(of('rate_limit')[0]!.resetAt);
  });
});
