/**
 * Shared set-up of the real-CLI test files: install the pinned CLI (once), one fake model server
 * for the file, a real git worktree per session, every event checked against the schema, and
 * nothing left running or on disk afterwards.
 */
import { agentRunSpecSchema, type AgentRunSpecInput } from '@openase/shared';
import { afterAll, beforeAll } from 'vitest';
import type { AgentSession, StartAgentSessionOptions } from '../src/adapters/common/types.js';
import { collectEvents } from './events.js';
import { startFakeModelServer, type FakeModelServer } from './fake-models/index.js';
import { ensureCli, type PinnedCli } from './real-clis.js';
import { createTestWorkspace, type TestWorkspace } from './workspace.js';

export function useRealCli(
  cli: PinnedCli,
  start: (options: StartAgentSessionOptions) => Promise<AgentSession>,
  /** The spec every session of this file starts from (command, provider pointing at `script`…). */
  baseSpec: (context: { command: string; server: FakeModelServer; script: string }) => AgentRunSpecInput,
) {
  let server: FakeModelServer | undefined;
  let command = '';
  const workspaces: TestWorkspace[] = [];
  const sessions: AgentSession[] = [];

  beforeAll(async () => {
    command = ensureCli(cli);
    server = await startFakeModelServer();
  }, 600_000);
  afterAll(async () => {
    // Sessions a failed assertion left open: never leave a CLI running.
    await Promise.all(sessions.map((session) => session.close()));
    await server?.close();
    for (const ws of workspaces) ws.remove();
  });

  return {
    get server(): FakeModelServer {
      if (!server) throw new Error('the fake model server is not started yet');
      return server;
    },
    /** Starts a session in a new worktree (or `existing`, e.g. the next run of the same ticket). */
    async session(script: string, extra: Partial<AgentRunSpecInput> = {}, existing?: TestWorkspace) {
      const ws = existing ?? createTestWorkspace(cli);
      if (!existing) workspaces.push(ws);
      const collected = collectEvents();
      const spec = agentRunSpecSchema.parse({ ...baseSpec({ command, server: this.server, script }), ...extra });
      const agent = await start({ spec, workdir: ws.worktree, privateDir: ws.privateDir, onEvent: collected.onEvent });
      sessions.push(agent);
      return { ws, agent, ...collected };
    },
  };
}

/** Polls `condition` until true (no fixed sleeps as synchronization); fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
