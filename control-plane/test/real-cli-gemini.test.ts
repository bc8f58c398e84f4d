/**
 * The real Gemini CLI driven through the orchestrator against the in-repo fake Gemini server
 * (real-cli-orchestrator.ts). Gemini has no approval channel in headless mode and withholds its
 * shell in `default`, so the workflow runs it with `permission_mode: bypassPermissions` (yolo).
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { geminiQuotaError } from '@openase/test-kit/fake-models';
import * as cases from './real-cli-cases.js';
import { useRealCliControlPlane } from './real-cli-orchestrator.js';

vi.setConfig({ testTimeout: 300_000 });

describe('Gemini CLI through the orchestrator (real CLI)', () => {
  const h = useRealCliControlPlane('gemini');

  cases.itCompletesATicket(
    h,
    (worktree) => ({ writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from the agent\n' } }),
    { permissionMode: 'bypassPermissions' },
  );
  // A quota error with a retry delay (Gemini exits 173): the reset is now + the delay.
  cases.itWaitsForARateLimitReset(h, () => geminiQuotaError(3600));

  // Gemini retries a 5xx itself for minutes; the daemon stops it after 2 retries (3 attempts,
  // ~17 s of Gemini's backoff) and fails the turn with the provider's message.
  it('gemini: an HTTP 500 from the provider fails the run with its message, not a hang', async () => {
    const p = await h.project(
      () => ({
        steps: [
          {
            error: {
              status: 500,
              body: { error: { code: 500, message: 'fake internal error 5e2b', status: 'INTERNAL' } },
            },
          },
        ],
      }),
      { permissionMode: 'bypassPermissions' },
    );
    const { identifier } = await p.ticket('Meet a server error');
    const { run, events } = await h.endedRun(identifier);
    expect(run.state).toBe('failed');
    expect(run.stateReason).toContain('the model API returned HTTP 500 3 times: fake internal error 5e2b');
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', fatal: true, code: 'api_500' }));
  });
});
