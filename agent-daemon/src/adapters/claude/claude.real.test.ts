/**
 * The real Claude Code CLI (pinned, installed on demand) driven by the adapter in a real git
 * worktree against the in-repo scripted Anthropic server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anthropicRateLimitError } from '@openase/test-kit/fake-models';
import { expectHelloDone, helloSteps, useRealCli } from '../../../test-support/real-cli-harness.js';
import { startClaudeSession } from './session.js';
import { GREETING_SESSION } from '../../../test-support/skill-files.js';

const real = useRealCli('claude', startClaudeSession, ({ command, server, script }) => ({
  adapter: 'claude-code',
  command,
  prompt: 'do the task',
  env: { ANTHROPIC_API_KEY: 'sk-ant-fake' },
  provider: { baseUrl: server.baseUrl(script), maxRetries: 0 },
}));
const session = real.session.bind(real);
const oneTurn = real.oneTurn.bind(real);

describe('claude adapter with the real CLI', () => {
  it('writes a file with its own tool, runs a shell command and finishes with usage and cost', async () => {
    const { ws, agent, events, invalid, of } = await session('happy', GREETING_SESSION);
    real.server.setScript('happy', { steps: helloSteps(path.join(ws.worktree, 'hello.txt')) });
    const outcome = await agent.runTurn();
    await agent.close();
    expectHelloDone(outcome, ws.worktree, invalid);
    expect(of('session.started')[0]).toMatchObject({ cliVersion: '2.1.197' });
    expect(agent.sessionId).toBe(of('session.started')[0]!.sessionId);
    expect(of('command')).toEqual([
      expect.objectContaining({
        command: 'echo hello-from-shell',
        status: 'completed',
        exitCode: 0,
        output: 'hello-from-shell',
      }),
    ]);
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('tool.call').map((e) => e.name)).toEqual(['Bash', 'Write']);
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')[0]!.usd).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['turn.started', 'message', 'tool.result', 'turn.finished', 'result']),
    );
    // The harness went in as the appended system prompt.
    expect(JSON.stringify(real.server.requestsFor('happy').find((r) => r.api === 'anthropic')!.body)).toContain(
      'You follow the OpenASE harness.',
    );
    // The skill was written into the CLI's own skills folder and offered to the model.
    expect(real.sentToModel('happy')).toContain('Greets the ticket reporter politely');
  });

  it('runs a second turn in the same process with per-turn usage and cost, then resumes the session in a new run', async () => {
    real.server.setScript('turns', { steps: [{ text: 'ok' }] });
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
    await real.resumeTurn('turns', first);
    expect(real.lastSentToModel('turns')).toContain('and again'); // history re-sent
  });

  it('ends the turn as failed with the provider message on HTTP 500, without hanging', async () => {
    real.server.setScript('e500', {
      steps: [
        {
          error: { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'fake internal error' } } },
        },
      ],
    });
    const { of, outcome } = await oneTurn('e500');
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(outcome.message).toContain('fake internal error');
    expect(of('error').at(-1)).toMatchObject({ fatal: true, code: 'api_500' });
    expect(of('result')).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('reports a 429 as a rate limit with the reset time', async () => {
    const reset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    real.server.setScript('e429', { steps: [anthropicRateLimitError(Date.parse(reset))] });
    const { of, outcome } = await oneTurn('e429');
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited', resetAt: new Date(reset).toISOString() });
    expect(of('rate_limit')[0]).toMatchObject({ resetAt: new Date(reset).toISOString() });
  });

  it('stops at the CLI turn limit', async () => {
    real.server.setScript('maxturns', { steps: [{ shell: 'echo one' }, { shell: 'echo two' }, { text: 'never' }] });
    const { outcome } = await oneTurn('maxturns', { cliMaxTurns: 1 });
    expect(outcome).toMatchObject({ ok: false, reason: 'max_turns' });
  });

  it('refuses tools the harness denies: by flag (Bash) and through the permission prompt (Write outside tools.allow)', async () => {
    real.server.setScript('deny', {
      steps: [
        { shell: 'echo should-not-run' },
        { writeFile: { path: 'PLACEHOLDER', content: 'x' } },
        { text: 'gave up' },
      ],
    });
    const { ws, agent, of } = await session('deny', { tools: { allow: ['Bash', 'Read'], deny: ['Bash'] } });
    real.server.setScript('deny', {
      steps: [
        { shell: 'echo should-not-run' },
        { writeFile: { path: path.join(ws.worktree, 'denied.txt'), content: 'x' } },
        { text: 'gave up' },
      ],
    });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, text: 'gave up' });
    expect(of('tool.result')).toEqual([
      expect.objectContaining({ ok: false, denied: true }),
      expect.objectContaining({ ok: false, denied: true, output: expect.stringContaining('OpenASE harness') }),
    ]);
    expect(of('command')).toEqual([]);
    expect(existsSync(path.join(ws.worktree, 'denied.txt'))).toBe(false);
    // The run's result says so.
    expect(outcome.deniedTools).toEqual(['Bash', 'Write']);
    expect(of('result')[0]!.reason).toBe('the harness refused: Bash, Write');
  });

  it('runs in bypassPermissions mode as root (IS_SANDBOX set by the adapter) and still refuses denied tools', async () => {
    const { ws, agent, of } = await session('bypass', {
      permissionMode: 'bypassPermissions',
      tools: { allow: [], deny: ['Bash(rm *)'] },
    });
    real.server.setScript('bypass', {
      steps: [
        { shell: 'rm -rf README.md' },
        { writeFile: { path: path.join(ws.worktree, 'b.txt'), content: 'b\n' } },
        { text: 'done' },
      ],
    });
    const outcome = await agent.runTurn();
    await agent.close();
    expect(outcome).toMatchObject({ ok: true, text: 'done' });
    expect(of('tool.result').map((r) => [r.ok, r.denied ?? false])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(existsSync(path.join(ws.worktree, 'README.md'))).toBe(true);
    expect(readFileSync(path.join(ws.worktree, 'b.txt'), 'utf8')).toBe('b\n');
  });

  real.itInterruptsATurn();

  real.itAsksAPersonBeforeAPush();

  real.itCallsAnMcpServerTool({ tool: { name: 'mcp__tickets__lookup_ticket', input: { id: 'T-42' } } });
});
