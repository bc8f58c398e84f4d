/**
 * The real Codex CLI (`codex app-server`) driven through the orchestrator against the in-repo
 * fake OpenAI Responses server (real-cli-orchestrator.ts), in permission mode `default`: every
 * command comes to the daemon as an approval and runs in Codex's `workspace-write` sandbox, whose
 * network the daemon enables so the `openase` wrapper reaches the platform.
 */
import { describe, vi } from 'vitest';
import { useRealCliControlPlane } from './real-cli-orchestrator.js';

vi.setConfig({ testTimeout: 300_000 });

describe('Codex through the orchestrator (real CLI)', () => {
  const h = useRealCliControlPlane('codex');

  // apply_patch with a path relative to the worktree (Codex's cwd).
  h.itCompletesATicket(() => ({ writeFile: { path: 'hello.txt', content: 'Hello from the agent\n' } }));
  h.itRefusesADeniedShell('shell');
});
