/**
 * The real Gemini CLI (pinned, installed on demand) driven by the adapter — one process per turn —
 * in a real git worktree against the in-repo scripted Gemini API server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { geminiQuotaError } from '@openase/test-kit/fake-models';
import { expectHelloDone, helloSteps, useRealCli } from '../../../test-support/real-cli-harness.js';
import { startGeminiSession } from './session.js';
import { GREETING_SESSION } from '../../../test-support/skill-files.js';

const pricing = { input: 1.25, output: 10, cached: 0.31 };
const real = useRealCli('gemini', startGeminiSession, ({ command, server, script }) => ({
  adapter: 'gemini',
  command,
  prompt: 'do the task',
  permissionMode: 'bypassPermissions',
  env: { GEMINI_API_KEY: 'dummy' },
  provider: { baseUrl: server.baseUrl(script) },
  pricing,
}));
const session = real.session.bind(real);
const oneTurn = real.oneTurn.bind(real);

describe('gemini adapter with the real CLI', () => {
  it('writes a file with write_file, runs a shell command, finishes, and resumes the session on the next turn', async () => {
    const { ws, agent, invalid, of } = await session('happy', GREETING_SESSION);
    real.server.setScript('happy', { steps: helloSteps(path.join(ws.worktree, 'hello.txt')) });
    const outcome = await agent.runTurn();
    expectHelloDone(outcome, ws.worktree, invalid);
    expect(of('command').filter((c) => c.status !== 'started')).toEqual([
      expect.objectContaining({ command: 'echo hello-from-shell', status: 'completed' }),
    ]);
    expect(of('command').at(-1)!.output).toContain('hello-from-shell');
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')[0]).toMatchObject({ source: 'pricing', usd: (3000 * 1.25 + 30 * 10) / 1e6 });
    expect(JSON.stringify(real.server.requestsFor('happy').find((r) => r.api === 'gemini')!.body)).toContain(
      'You follow the OpenASE harness.',
    );
    // The skill was written into the CLI's own skills folder and offered to the model.
    expect(real.sentToModel('happy')).toContain('Greets the ticket reporter politely');

    const sessionId = agent.sessionId;
    const second = await agent.runTurn('and again');
    expect(second).toMatchObject({ ok: true, turn: 2, sessionId });
    expect(real.lastSentToModel('happy')).toContain('do the task');
    await agent.close();
  });

  it('fails the turn with a clear error on an API error (exit 144), without hanging', async () => {
    real.server.setScript('e500', {
      steps: [
        {
          error: {
            status: 400,
            body: { error: { code: 400, message: 'fake bad request', status: 'INVALID_ARGUMENT' } },
          },
        },
      ],
    });
    const { of, outcome } = await oneTurn('e500');
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(outcome.message).toContain('fake bad request');
    expect(of('error').at(-1)).toMatchObject({ fatal: true, code: 'exit_144' });
  });

  it('stops at the CLI session turn limit (exit 53)', async () => {
    real.server.setScript('maxturns', {
      steps: [{ shell: 'echo one' }, { shell: 'echo two' }, { shell: 'echo three' }, { text: 'never' }],
    });
    const { agent } = await session('maxturns', { cliMaxTurns: 1 });
    const first = await agent.runTurn();
    const outcome = first.ok ? await agent.runTurn('more') : first;
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'max_turns' });
  });

  it('reports a quota 429 with a retry delay as a rate limit with the reset time (exit 173)', async () => {
    real.server.setScript('quota', { steps: [geminiQuotaError(3600)] });
    const { agent, of } = await session('quota');
    const before = Date.now();
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited' });
    const resetAt = Date.parse(outcome.resetAt!);
    expect(resetAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(of('rate_limit')[0]!.resetAt).toBe(outcome.resetAt);
  });

  it('stops the CLI retrying a 429 whose message states the reset time', async () => {
    const reset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    real.server.setScript('e429', {
      steps: [
        {
          error: {
            status: 429,
            body: {
              error: { code: 429, message: `Quota exceeded, retry after ${reset}`, status: 'RESOURCE_EXHAUSTED' },
            },
          },
        },
      ],
    });
    const { of, outcome } = await oneTurn('e429');
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited', resetAt: new Date(reset).toISOString() });
    expect(of('rate_limit')[0]).toMatchObject({ resetAt: new Date(reset).toISOString() });
  });

  it('refuses a shell the harness denies (tools.exclude) as a denied tool call, while edits still work', async () => {
    real.server.setScript('gdeny', {
      steps: [
        { shell: 'echo should-not-run > ran.txt' },
        { writeFile: { path: 'w.txt', content: 'x' } },
        { text: 'gave up' },
      ],
    });
    const { ws, agent, of } = await session('gdeny', { tools: { allow: [], deny: ['Bash'] } });
    expect(await agent.runTurn()).toMatchObject({ ok: true, text: 'gave up' });
    await agent.close();
    expect(of('tool.result').map((r) => [r.ok, r.denied ?? false])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(of('command').filter((c) => c.status !== 'started')).toEqual([]);
    expect(existsSync(path.join(ws.worktree, 'ran.txt'))).toBe(false);
    expect(readFileSync(path.join(ws.worktree, 'w.txt'), 'utf8')).toBe('x');
  });

  real.itInterruptsATurn();

  // Gemini names MCP tools mcp_<server>_<tool>; the adapter reports them as mcp__<server>__<tool>.
  real.itCallsAnMcpServerTool({ tool: { name: 'mcp_tickets_lookup_ticket', input: { id: 'T-42' } } });
});
