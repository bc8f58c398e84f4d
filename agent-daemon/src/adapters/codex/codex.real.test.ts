/**
 * The real Codex CLI (pinned, installed on demand) driven through `codex app-server` by the
 * adapter in a real git worktree against the in-repo scripted Responses server.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageLimitError } from '@openase/test-kit/fake-models';
import { expectHelloDone, helloSteps, useRealCli } from '../../../test-support/real-cli-harness.js';
import { startCodexSession } from './session.js';
import { GREETING_SESSION } from '../../../test-support/skill-files.js';

const pricing = { input: 1.25, output: 10, cached: 0.125 };
const real = useRealCli('codex', startCodexSession, ({ command, server, script }) => ({
  adapter: 'codex',
  command,
  prompt: 'do the task',
  env: { FAKE_OPENAI_API_KEY: 'dummy' },
  provider: { baseUrl: `${server.baseUrl(script)}/v1`, apiKeyEnv: 'FAKE_OPENAI_API_KEY', maxRetries: 0 },
  pricing,
}));
const session = real.session.bind(real);
const oneTurn = real.oneTurn.bind(real);

describe('codex adapter with the real CLI', () => {
  it('writes a file with apply_patch, runs a shell command (approved by the rules) and finishes with usage and cost', async () => {
    real.server.setScript('happy', { steps: helloSteps('hello.txt', 'Need to check the shell first.') });
    const { ws, invalid, of, outcome } = await oneTurn('happy', GREETING_SESSION);
    expectHelloDone(outcome, ws.worktree, invalid);
    expect(of('session.started')[0]).toMatchObject({ cliVersion: '0.169.0', model: 'gpt-5.5' });
    expect(of('command').filter((c) => c.status !== 'started')).toEqual([
      expect.objectContaining({
        command: 'echo hello-from-shell',
        status: 'completed',
        exitCode: 0,
        output: 'hello-from-shell\n',
      }),
    ]);
    expect(of('file.change')).toEqual([expect.objectContaining({ path: 'hello.txt', kind: 'add' })]);
    expect(of('reasoning')[0]!.text).toBe('Need to check the shell first.');
    expect(of('usage')).toEqual([expect.objectContaining({ turn: 1, inputTokens: 3000, outputTokens: 30 })]);
    expect(of('cost')).toEqual([{ type: 'cost', usd: (3000 * 1.25 + 30 * 10) / 1e6, source: 'pricing', turn: 1 }]);
    const body = JSON.stringify(real.server.requestsFor('happy').find((r) => r.api === 'openai')!.body);
    expect(body).toContain('You follow the OpenASE harness.');
    // The skill was written into the CLI's own skills folder and offered to the model.
    expect(real.sentToModel('happy')).toContain('Greets the ticket reporter politely');
  });

  it('diffs thread-cumulative usage per turn and resumes the thread in a new run', async () => {
    real.server.setScript('turns', { steps: [{ text: 'ok' }] });
    const first = await session('turns');
    expect((await first.agent.runTurn()).ok).toBe(true);
    expect((await first.agent.runTurn('and again')).ok).toBe(true);
    await first.agent.close();
    expect(first.of('usage').map((u) => u.inputTokens)).toEqual([1000, 1000]);
    const second = await real.resumeTurn('turns', first);
    expect(second.of('usage').map((u) => u.inputTokens)).toEqual([1000]);
    expect(real.lastSentToModel('turns')).toContain('and again');
  });

  it('declines a shell command and a file write the harness denies, recorded as denied tool calls', async () => {
    real.server.setScript('deny', {
      steps: [
        { shell: 'echo should-not-run > ran.txt' },
        { writeFile: { path: 'secret.txt', content: 'no\n' } },
        { text: 'could not do it' },
      ],
    });
    const { ws, of, outcome } = await oneTurn('deny', { tools: { allow: [], deny: ['Bash', 'Write(secret*)'] } });
    expect(outcome).toMatchObject({ ok: true, text: 'could not do it' });
    expect(of('tool.result')).toEqual([
      expect.objectContaining({ ok: false, denied: true }),
      expect.objectContaining({ ok: false, denied: true }),
    ]);
    expect(of('command').at(-1)).toMatchObject({ status: 'declined' });
    expect(existsSync(path.join(ws.worktree, 'ran.txt'))).toBe(false);
    expect(existsSync(path.join(ws.worktree, 'secret.txt'))).toBe(false);
    // The run's result says so.
    expect(outcome.deniedTools).toEqual(['shell', 'apply_patch']);
    expect(of('result')[0]!.reason).toBe('the harness refused: shell, apply_patch');
  });

  it('refuses turns past the platform turn limit', async () => {
    real.server.setScript('limit', { steps: [{ text: 'ok' }] });
    const { agent, of } = await session('limit', { maxTurns: 1 });
    expect((await agent.runTurn()).ok).toBe(true);
    expect(await agent.runTurn('more')).toMatchObject({ ok: false, reason: 'max_turns' });
    await agent.close();
    expect(of('turn.started')).toHaveLength(1);
  });

  it('fails the turn with the provider message on HTTP 500, without hanging', async () => {
    real.server.setScript('e500', {
      steps: [{ error: { status: 500, body: { error: { message: 'fake internal error', type: 'server_error' } } } }],
    });
    const { of, outcome } = await oneTurn('e500');
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(of('result')).toEqual([expect.objectContaining({ ok: false })]);
  });

  it('reports a 429 as a rate limit with the reset time', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 3600;
    real.server.setScript('e429', { steps: [usageLimitError(resetsAt)] });
    const { of, outcome } = await oneTurn('e429');
    expect(outcome).toMatchObject({ ok: false, reason: 'rate_limited' });
    // Codex states the reset as a local time of day in minutes; we round up to the next minute.
    const resetAt = Date.parse(of('rate_limit')[0]!.resetAt!);
    expect(resetAt).toBeGreaterThanOrEqual(resetsAt * 1000 - 60_000);
    expect(resetAt).toBeLessThanOrEqual(resetsAt * 1000 + 120_000);
    expect(outcome.resetAt).toBe(of('rate_limit')[0]!.resetAt);
  });

  real.itInterruptsATurn();

  real.itAsksAPersonBeforeAPush();

  real.itCallsAnMcpServerTool({ tool: { name: 'lookup_ticket', namespace: 'mcp__tickets', input: { id: 'T-42' } } });
});
