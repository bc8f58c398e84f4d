/**
 * The real Codex CLI (`codex app-server`) driven through the orchestrator against the in-repo
 * fake OpenAI Responses server (real-cli-orchestrator.ts), in permission mode `default`: every
 * command comes to the daemon as an approval and runs in Codex's `workspace-write` sandbox, whose
 * network the daemon enables so the `openase` wrapper reaches the platform.
 */
import { describe, expect, it, vi } from 'vitest';
import { usageLimitError } from '@openase/test-kit/fake-models';
import * as cases from './real-cli-cases.js';
import { useRealCliControlPlane } from './real-cli-orchestrator.js';

vi.setConfig({ testTimeout: 300_000 });

describe('Codex through the orchestrator (real CLI)', () => {
  const h = useRealCliControlPlane('codex');

  // apply_patch with a path relative to the worktree (Codex's cwd).
  cases.itCompletesATicket(h, () => ({ writeFile: { path: 'hello.txt', content: 'Hello from the agent\n' } }));
  cases.itRefusesADeniedShell(h, 'shell');
  cases.itAsksAPersonBeforeAPush(h);
  cases.itAsksAQuestion(h);
  cases.itTakesASteeringMessage(h);
  // Codex states the reset as "Try again at 11:22 PM" (or with a date when it falls on another day).
  cases.itWaitsForARateLimitReset(h, (resetMs) => usageLimitError(resetMs / 1000));

  // Codex 0.169 retries a 5xx (5 stream reconnects, ~25 s: no provider maxRetries is set through
  // the orchestrator) and then states its own text for it, code internalServerError: the
  // provider's body never leaves the CLI, so the run's reason is Codex's message.
  it('codex: an HTTP 500 from the provider fails the run with the message Codex states, not a hang', async () => {
    const p = await h.project(() => ({
      steps: [
        { error: { status: 500, body: { error: { message: 'fake internal error 9c1d', type: 'server_error' } } } },
      ],
    }));
    const { identifier } = await p.ticket('Meet a server error');
    const { run, events } = await h.endedRun(identifier);
    expect(run.state).toBe('failed');
    expect(run.stateReason).toMatch(/^the agent CLI failed: We’re currently experiencing high demand/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', fatal: true, code: 'internalServerError' }));
  });
});
