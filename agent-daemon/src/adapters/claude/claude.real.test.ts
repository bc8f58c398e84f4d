/**
 * The real Claude Code CLI (pinned, installed on demand) driven by the adapter in a real git
 * worktree against the in-repo scripted Anthropic server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { agentRunSpecSchema, type AgentRunSpecInput } from '@openase/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents } from '../../../test-support/events.js';
import { startFakeModelServer, type FakeModelServer } from '../../../test-support/fake-models/index.js';
import { ensureCli } from '../../../test-support/real-clis.js';
import { createTestWorkspace, type TestWorkspace } from '../../../test-support/workspace.js';
import { startClaudeSession } from './session.js';

let server: FakeModelServer;
let claude: string;
const workspaces: TestWorkspace[] = [];

beforeAll(async () => {
  claude = ensureCli('claude');
  server = await startFakeModelServer();
}, 600_000);
afterAll(async () => {
  await server?.close();
  for (const ws of workspaces) ws.remove();
});

async function session(script: string, extra: Partial<AgentRunSpecInput> = {}, existing?: TestWorkspace) {
  const ws = existing ?? createTestWorkspace('claude');
  if (!existing) workspaces.push(ws);
  const collected = collectEvents();
  const spec = agentRunSpecSchema.parse({ adapter: 'claude-code', command: claude, prompt: 'do the task', env: { ANTHROPIC_API_KEY: 'sk-ant-fake' }, provider: { baseUrl: server.baseUrl(script), maxRetries: 0 }, ...extra });
  const agent = await startClaudeSession({ spec, workdir: ws.worktree, privateDir: ws.privateDir, onEvent: collected.onEvent });
  return { ws, agent, ...collected };
}

describe('claude adapter with the real CLI', () => {
  it('writes a file with its own tool, runs a shell command and finishes with usage and cost', async () => {
    const { ws, agent, events, invalid, of } = await session('happy', { systemPrompt: 'You follow the OpenASE harness.', skills: { greet: [{ path: 'SKILL.md', content: '---\nname: greet\ndescription: Say hello\n---\nSay hello.' }] } });
    server.setScript('happy', { steps: [{ shell: 'echo hello-from-shell', text: 'Running a command first.' }, { writeFile: { path: path.join(ws.worktree, 'hello.txt'), content: 'Hello from the fake model!\n' } }, { text: 'done' }] });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, reason: 'completed', text: 'done', turn: 1 });
    expect(readFileSync(path.join(ws.worktree, 'hello.txt'), 'utf8')).toBe('Hello from the fake model!\n');
    expect(invalid).toEqual([]);
    expect(of('session.started')[0]).toMatchObject({ cliVersion: '2.1.197' });
    expect(agent.sessionId).toBe(of('session.started')[0]!.sessionId);
    expect(of('command')).toEqual([expect.objectContaining({ command: 'echo hello-from-shell', status: 'completed', exitCode: 0, output: 'hello-from-shell' })]);
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('tool.call').map((e) => e.name)).toEqual(['Bash', 'Write']);
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')[0]!.usd).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['turn.started', 'message', 'tool.result', 'turn.finished', 'result']));
    // The harness went in as the appended system prompt.
    expect(JSON.stringify(server.requestsFor('happy').find((r) => r.api === 'anthropic')!.body)).toContain('You follow the OpenASE harness.');
  });

  it('runs a second turn in the same process with per-turn usage and cost, then resumes the session in a new run', async () => {
    server.setScript('turns', { steps: [{ text: 'ok' }] });
    const first = await session('turns');
    const one = await first.agent.runTurn();
    const two = await first.agent.runTurn('and again');
    await first.agent.close();
    expect([one.ok, two.ok, two.turn]).toEqual([true, true, 2]);
    expect(first.of('usage').map((u) => u.inputTokens)).toEqual([1000, 1000]);
    const costs = first.of('cost').map((c) => c.usd);
    expect(costs[1]).toBeCloseTo(costs[0]!, 6);
    expect(first.of('session.started')).toHaveLength(1);

    // The next run of the same ticket: same workspace (and private area), a new process.
    const second = await session('turns', { resumeSessionId: first.agent.sessionId!, prompt: 'continue please' }, first.ws);
    const outcome = await second.agent.runTurn();
    await second.agent.close();
    expect(outcome).toMatchObject({ ok: true, sessionId: first.agent.sessionId });
    const last = server.requestsFor('turns').filter((r) => r.api === 'anthropic').at(-1)!;
    expect(JSON.stringify(last.body)).toContain('and again'); // history re-sent
  });

  it('ends the turn as failed with the provider message on HTTP 500, without hanging', async () => {
    server.setScript('e500', { steps: [{ error: { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'fake internal error' } } } }] });
    const { agent, of } = await session('e500');
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(outcome.message).toContain('fake internal error');
    expect(of('error').at(-1)).toMatchObject({ fatal: true, code: 'api_500' });
    expect(of('result')).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('reports a 429 as a rate limit with the reset time', async () => {
    const reset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    server.setScript('e429', { steps: [{ error: { status: 429, headers: { 'retry-after': '3600', 'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': String(Math.floor(Date.parse(reset) / 1000)) }, body: { type: 'error', error: { type: 'rate_limit_error', message: `rate limited until ${reset}` } } } }] });
    const { agent, of } = await session('e429');
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited', resetAt: new Date(reset).toISOString() });
    expect(of('rate_limit')[0]).toMatchObject({ resetAt: new Date(reset).toISOString() });
  });

  it('stops at the CLI turn limit', async () => {
    server.setScript('maxturns', { steps: [{ shell: 'echo one' }, { shell: 'echo two' }, { text: 'never' }] });
    const { agent } = await session('maxturns', { cliMaxTurns: 1 });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'max_turns' });
  });

  it('refuses tools the harness denies: by flag (Bash) and through the permission prompt (Write outside tools.allow)', async () => {
    server.setScript('deny', { steps: [{ shell: 'echo should-not-run' }, { writeFile: { path: 'PLACEHOLDER', content: 'x' } }, { text: 'gave up' }] });
    const { ws, agent, of } = await session('deny', { tools: { allow: ['Bash', 'Read'], deny: ['Bash'] } });
    server.setScript('deny', { steps: [{ shell: 'echo should-not-run' }, { writeFile: { path: path.join(ws.worktree, 'denied.txt'), content: 'x' } }, { text: 'gave up' }] });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, text: 'gave up' });
    expect(of('tool.result')).toEqual([expect.objectContaining({ ok: false, denied: true }), expect.objectContaining({ ok: false, denied: true, output: expect.stringContaining('OpenASE harness') })]);
    expect(of('command')).toEqual([]);
    expect(existsSync(path.join(ws.worktree, 'denied.txt'))).toBe(false);
  });
});
