/**
 * The real Gemini CLI driven through the orchestrator against the in-repo fake Gemini server
 * (real-cli-orchestrator.ts). Gemini has no approval channel in headless mode and withholds its
 * shell in `default`, so the workflow runs it with `permission_mode: bypassPermissions` (yolo).
 */
import path from 'node:path';
import { describe, vi } from 'vitest';
import { useRealCliControlPlane } from './real-cli-orchestrator.js';

vi.setConfig({ testTimeout: 300_000 });

describe('Gemini CLI through the orchestrator (real CLI)', () => {
  const h = useRealCliControlPlane('gemini');

  h.itCompletesATicket((worktree) => ({ writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from the agent\n' } }), { permissionMode: 'bypassPermissions' });
  // A quota error with a retry delay (Gemini exits 173): the reset is now + the delay.
  h.itWaitsForARateLimitReset(() => ({ error: { status: 429, body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3600s' }] } } } }));
});
