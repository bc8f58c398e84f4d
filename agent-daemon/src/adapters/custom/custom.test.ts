/** The custom adapter driving the stand-in agent program (a real process) in a real worktree. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STAND_IN_AGENT as standIn } from '@openase/test-kit/stand-in';
import { afterAll, describe, expect, it } from 'vitest';
import { collectEvents } from '../../../test-support/events.js';
import { createTestWorkspace, type TestWorkspace } from '../../../test-support/workspace.js';
import { parseAgentRunSpec, startAgentSession } from '../index.js';

const workspaces: TestWorkspace[] = [];
afterAll(() => workspaces.forEach((ws) => ws.remove()));

async function session(script: unknown, extra: Record<string, unknown> = {}) {
  const ws = createTestWorkspace('custom');
  workspaces.push(ws);
  const collected = collectEvents();
  const agent = await startAgentSession({
    spec: parseAgentRunSpec({
      adapter: 'custom',
      command: process.execPath,
      args: [standIn],
      prompt: 'do the task',
      env: { STAND_IN_SCRIPT_JSON: JSON.stringify(script), SECRET_TOKEN: 's3cret' },
      pricing: { input: 1, output: 2 },
      systemPrompt: 'HARNESS',
      ...extra,
    }),
    workdir: ws.worktree,
    privateDir: ws.privateDir,
    onEvent: collected.onEvent,
  });
  return { ws, agent, ...collected };
}

describe('custom adapter with the stand-in agent', () => {
  it('passes the prompt on stdin, maps its events, writes files, runs commands and prices usage', async () => {
    const { ws, agent, of, invalid } = await session({
      sessionId: 'sess-1',
      turns: [
        {
          steps: [
            { writeFile: { path: 'out/hello.txt', content: 'hi\n' } },
            { run: 'echo "$SECRET_TOKEN" && cat "$OPENASE_SYSTEM_PROMPT_FILE"' },
            { usage: { input: 1000, output: 100 } },
            { message: 'done' },
          ],
        },
        { steps: [{ message: 'second' }] },
      ],
    });
    const outcome = await agent.runTurn();
    expect(outcome).toMatchObject({
      ok: true,
      reason: 'completed',
      text: 'done',
      sessionId: 'sess-1',
      usage: { inputTokens: 1000, outputTokens: 100, cachedTokens: 0 },
    });
    expect(readFileSync(path.join(ws.worktree, 'out/hello.txt'), 'utf8')).toBe('hi\n');
    expect(invalid).toEqual([]);
    expect(of('message')[0]).toEqual({ type: 'message', role: 'user', text: 'do the task' });
    expect(of('command')[0]).toMatchObject({ exitCode: 0, output: 's3cret\nHARNESS' });
    expect(of('file.change')).toEqual([{ type: 'file.change', path: 'out/hello.txt', kind: 'add' }]);
    expect(of('usage')).toEqual([{ type: 'usage', inputTokens: 1000, outputTokens: 100, cachedTokens: 0, turn: 1 }]);
    expect(of('cost')).toEqual([{ type: 'cost', usd: 0.0012, source: 'pricing', turn: 1 }]);
    // The spec file the program gets carries no secrets.
    expect(readFileSync(path.join(ws.privateDir, 'custom', 'spec.json'), 'utf8')).not.toContain('s3cret');
    const second = await agent.runTurn('next');
    expect(second).toMatchObject({ ok: true, turn: 2, text: 'second', sessionId: 'sess-1' });
    await agent.close();
  });

  it('keeps invalid lines as raw events and fails the turn on a non-zero exit with stderr', async () => {
    const { agent, of } = await session({
      steps: [{ print: 'not json' }, { emit: { type: 'message' } }, { stderr: 'boom happened' }, { exit: 3 }],
    });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed', message: expect.stringContaining('boom happened') });
    expect(of('raw').map((e) => e.line)).toEqual(['not json', '{"type":"message"}']);
    expect(of('output')).toEqual([{ type: 'output', stream: 'stderr', text: 'boom happened' }]);
    expect(of('result')).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('reports a failed result, a rate limit with its reset, and refuses turns past the limit', async () => {
    const { agent } = await session(
      {
        steps: [
          { rateLimit: { message: 'slow down', resetAt: '2030-01-01T00:00:00.000Z' } },
          { result: { ok: false, text: 'rate limited' } },
        ],
      },
      { maxTurns: 1 },
    );
    expect(await agent.runTurn()).toMatchObject({
      ok: false,
      reason: 'rate_limited',
      resetAt: '2030-01-01T00:00:00.000Z',
    });
    expect(await agent.runTurn('again')).toMatchObject({ ok: false, reason: 'max_turns' });
    await agent.close();
  });

  it('holds a turn open until a file appears (waitForFile), for tests that need a running agent', async () => {
    const { ws, agent } = await session({ steps: [{ waitForFile: 'go' }, { message: 'went' }] });
    const turn = agent.runTurn();
    writeFileSync(path.join(ws.worktree, 'go'), '');
    expect(await turn).toMatchObject({ ok: true, text: 'went' });
    await agent.close();
  });

  it('interrupts a hanging agent', async () => {
    const { ws, agent } = await session({ steps: [{ writeFile: { path: 'started', content: '' } }, { hang: true }] });
    const turn = agent.runTurn();
    const deadline = Date.now() + 20_000;
    while (!existsSync(path.join(ws.worktree, 'started')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await agent.interrupt();
    expect(await turn).toMatchObject({ ok: false, reason: 'interrupted' });
    await agent.close();
  });

  it('fails the turn with a clear message when the command cannot be started', async () => {
    const ws = createTestWorkspace('custom');
    workspaces.push(ws);
    const collected = collectEvents();
    const agent = await startAgentSession({
      spec: parseAgentRunSpec({ adapter: 'custom', command: '/nonexistent/agent', prompt: 'x' }),
      workdir: ws.worktree,
      privateDir: ws.privateDir,
      onEvent: collected.onEvent,
    });
    expect(await agent.runTurn()).toMatchObject({
      ok: false,
      reason: 'config',
      message: expect.stringContaining('could not start /nonexistent/agent'),
    });
    await agent.close();
  });

  it('refuses an invalid spec with the field named', async () => {
    const ws = createTestWorkspace('custom');
    workspaces.push(ws);
    expect(() => parseAgentRunSpec({ adapter: 'custom', prompt: 'x', maxTurns: 0, tools: { allow: [''] } })).toThrow(
      /maxTurns: .*; tools.allow.0: /,
    );
    await expect(
      startAgentSession({
        spec: parseAgentRunSpec({ adapter: 'custom', prompt: 'x' }),
        workdir: ws.worktree,
        privateDir: ws.privateDir,
        onEvent: () => undefined,
      }),
    ).rejects.toThrow('needs `command`');
  });
});
