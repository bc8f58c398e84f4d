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

async function session(script: string, extra: Partial<AgentRunSpecInput> = {}) {
  const ws = createTestWorkspace('claude');
  workspaces.push(ws);
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
});
