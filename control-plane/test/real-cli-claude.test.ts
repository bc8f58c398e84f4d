/**
 * The real Claude Code CLI driven through the orchestrator: a real control plane, its local
 * daemon, real git, the in-repo fake Anthropic server (real-cli-orchestrator.ts). Also the
 * provider failures: an HTTP 500 fails the run with the provider's message; a 429 with a reset
 * time parks the ticket until then without using an attempt.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { anthropicRateLimitError } from '@openase/test-kit/fake-models';
import * as cases from './real-cli-cases.js';
import { useRealCliControlPlane } from './real-cli-orchestrator.js';

vi.setConfig({ testTimeout: 300_000 });

describe('Claude Code through the orchestrator (real CLI)', () => {
  const h = useRealCliControlPlane('claude');

  cases.itCompletesATicket(h, (worktree) => ({
    writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from the agent\n' },
  }));
  cases.itRefusesADeniedShell(h, 'Bash');
  cases.itAsksAPersonBeforeAPush(h);
  cases.itAsksAQuestion(h);
  cases.itTakesASteeringMessage(h);

  it('claude: an HTTP 500 from the provider fails the run with its message, and the ticket is parked after its last attempt', async () => {
    const p = await h.project(() => ({
      steps: [
        {
          error: {
            status: 500,
            body: { type: 'error', error: { type: 'api_error', message: 'fake internal error 7f3a' } },
          },
        },
      ],
    }));
    const { identifier } = await p.ticket('Meet a server error');
    const { run, events } = await h.endedRun(identifier);
    expect(run.state).toBe('failed');
    expect(run.stateReason).toContain('fake internal error 7f3a');
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', fatal: true, code: 'api_500' }));
    await h.waitForTicket(identifier, (t) => t.parkedReason !== null);
    expect(await h.show(identifier)).toMatchObject({
      nextRetryAt: null,
      parkedReason: expect.stringContaining('stopped after 1 of 1 attempts'),
    });
  });

  cases.itWaitsForARateLimitReset(h, anthropicRateLimitError);
});
