/** A CLI that is not installed fails clearly and at once, for every adapter. */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestWorkspace, type TestWorkspace } from '../../test-support/workspace.js';
import { parseAgentRunSpec, startAgentSession } from './index.js';

const workspaces: TestWorkspace[] = [];
afterAll(() => workspaces.forEach((ws) => ws.remove()));

describe('missing CLI', () => {
  for (const adapter of ['claude-code', 'gemini', 'custom'] as const) {
    it(`${adapter}: the first turn fails naming the command`, async () => {
      const ws = createTestWorkspace('missing');
      workspaces.push(ws);
      const agent = await startAgentSession({
        spec: parseAgentRunSpec({ adapter, command: '/nonexistent/cli', prompt: 'x' }),
        workdir: ws.worktree,
        privateDir: ws.privateDir,
        onEvent: () => undefined,
      });
      expect(await agent.runTurn()).toMatchObject({
        ok: false,
        message: expect.stringContaining('could not start /nonexistent/cli'),
      });
      await agent.close();
    });
  }

  it('codex: starting the session fails naming the command', async () => {
    const ws = createTestWorkspace('missing');
    workspaces.push(ws);
    await expect(
      startAgentSession({
        spec: parseAgentRunSpec({ adapter: 'codex', command: '/nonexistent/cli', prompt: 'x' }),
        workdir: ws.worktree,
        privateDir: ws.privateDir,
        onEvent: () => undefined,
      }),
    ).rejects.toThrow(/could not start \/nonexistent\/cli/);
  });
});
