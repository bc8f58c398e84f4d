/**
 * Shared set-up of the real-CLI test files: install the pinned CLI (once), one fake model server
 * for the file, a real git worktree per session, every event checked against the schema, and
 * nothing left running or on disk afterwards.
 */
import { agentRunSpecSchema, type AgentRunSpecInput } from '@openase/shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportDenials } from '../src/adapters/common/denials.js';
import type { AgentSession, StartAgentSessionOptions } from '../src/adapters/common/types.js';
import type { ApprovalAsk, AskPerson } from '../src/adapters/common/approvals.js';
import type { FakeStep } from '@openase/test-kit/fake-models';
import { collectEvents } from './events.js';
import { useFakeModelServer, type FakeModelServer } from '@openase/test-kit/fake-models';
import { ensureCli, type PinnedCli } from '@openase/test-kit/real-clis';
import { createTestWorkspace, type TestWorkspace } from './workspace.js';
import { waitFor } from '@openase/test-kit/wait';

/** The first test's script: a shell command, the file `path` written, then the reply 'done'. */
export function helloSteps(file: string, reasoning?: string): FakeStep[] {
  return [
    { shell: 'echo hello-from-shell', text: 'Running a command first.', ...(reasoning ? { reasoning } : {}) },
    { writeFile: { path: file, content: 'Hello from the fake model!\n' } },
    { text: 'done' },
  ];
}

/** The first test's turn went through: completed with 'done', the file written, every event valid. */
export function expectHelloDone(outcome: unknown, worktree: string, invalid: unknown[]): void {
  expect(outcome).toMatchObject({ ok: true, reason: 'completed', text: 'done', turn: 1 });
  expect(readFileSync(path.join(worktree, 'hello.txt'), 'utf8')).toBe('Hello from the fake model!\n');
  expect(invalid).toEqual([]);
}

export function useRealCli(
  cli: PinnedCli,
  start: (options: StartAgentSessionOptions) => Promise<AgentSession>,
  /** The spec every session of this file starts from (command, provider pointing at `script`…). */
  baseSpec: (context: { command: string; server: FakeModelServer; script: string }) => AgentRunSpecInput,
) {
  const models = useFakeModelServer();
  let command = '';
  const workspaces: TestWorkspace[] = [];
  const sessions: AgentSession[] = [];

  beforeAll(() => {
    command = ensureCli(cli);
  }, 600_000);
  // Runs before the server closes (after-hooks run in reverse order).
  afterAll(async () => {
    // Sessions a failed assertion left open: never leave a CLI running.
    await Promise.all(sessions.map((session) => session.close()));
    for (const ws of workspaces) ws.remove();
  });

  const harness = {
    get server(): FakeModelServer {
      return models.server;
    },
    /** What the CLI sent the model for `script` (its API calls, not other requests), as one JSON text. */
    sentToModel(script: string): string {
      return JSON.stringify(
        this.server
          .requestsFor(script)
          .filter((r) => r.api !== 'other')
          .map((r) => r.body),
      );
    },
    /** The last API call the CLI made to the model for `script` (its body, as JSON text). */
    lastSentToModel(script: string): string {
      const calls = this.server.requestsFor(script).filter((r) => r.api !== 'other');
      return JSON.stringify(calls.at(-1)!.body);
    },
    /** Starts a session in a new worktree (or `existing`, e.g. the next run of the same ticket). */
    async session(
      script: string,
      extra: Partial<AgentRunSpecInput> = {},
      existing?: TestWorkspace,
      askPerson?: AskPerson,
    ) {
      const ws = existing ?? createTestWorkspace(cli);
      if (!existing) workspaces.push(ws);
      const collected = collectEvents();
      const spec = agentRunSpecSchema.parse({ ...baseSpec({ command, server: this.server, script }), ...extra });
      const agent = await reportDenials(start)({
        spec,
        workdir: ws.worktree,
        privateDir: ws.privateDir,
        onEvent: collected.onEvent,
        ...(askPerson ? { askPerson } : {}),
      });
      sessions.push(agent);
      return { ws, agent, ...collected };
    },

    /** A session (as `session` starts it) that runs one turn and closes: the turn's outcome and what it recorded. */
    async oneTurn(script: string, extra: Partial<AgentRunSpecInput> = {}, existing?: TestWorkspace) {
      const started = await this.session(script, extra, existing);
      const outcome = await started.agent.runTurn();
      await started.agent.close();
      return { ...started, outcome };
    },

    /** The next run of the same ticket: the same workspace (and private area), a new process resuming the session. */
    async resumeTurn(script: string, first: { agent: AgentSession; ws: TestWorkspace }) {
      const second = await this.oneTurn(
        script,
        { resumeSessionId: first.agent.sessionId!, prompt: 'continue please' },
        first.ws,
      );
      expect(second.outcome).toMatchObject({ ok: true, sessionId: first.agent.sessionId });
      return second;
    },

    /** The same interrupt case for every CLI: the model never answers, the platform interrupts. */
    itInterruptsATurn() {
      it('interrupts a turn waiting on the model, and the session reports it', async () => {
        harness.server.setScript('hang', { steps: [{ hang: true }] });
        const { agent, of } = await harness.session('hang');
        const turn = agent.runTurn();
        await waitFor('the model request', () => harness.server.requestsFor('hang').some((r) => r.answered === 'hang'));
        await agent.interrupt();
        expect(await turn).toMatchObject({ ok: false, reason: 'interrupted' });
        expect(of('turn.finished')).toEqual([{ type: 'turn.finished', turn: 1, ok: false, reason: 'interrupted' }]);
        await agent.close();
      });
    },

    /**
     * The same MCP case for every CLI: `toolStep` is how this CLI's model calls `lookup_ticket` of server `tickets`.
     */
    itCallsAnMcpServerTool(toolStep: FakeStep) {
      it("hands the run's MCP servers to the CLI: the agent calls a tool of a real MCP server", async () => {
        harness.server.setScript('mcp', { steps: [toolStep, { text: 'looked it up' }] });
        const { agent, of } = await harness.session('mcp', {
          mcpServers: { tickets: { command: process.execPath, args: [FAKE_MCP_SERVER] } },
        });
        const outcome = await agent.runTurn();
        await agent.close();
        expect(outcome).toMatchObject({ ok: true, text: 'looked it up' });
        expect(of('tool.call').map((c) => c.name)).toContain('mcp__tickets__lookup_ticket');
        expect(of('tool.result')).toEqual([
          expect.objectContaining({ ok: true, output: expect.stringContaining('Ticket T-42 is open (fake).') }),
        ]);
      });
    },

    /**
     * The same approval case for every CLI: `tools.ask: ["Bash(git push*)"]` holds the push until a person decides.
     * Approved, the command runs; declined, it does not, and the person's reason reaches the model.
     */
    itAsksAPersonBeforeAPush() {
      const push = 'git push --porcelain --dry-run nowhere 2>/dev/null; echo push-ran';
      const tools = { allow: [], deny: [], ask: ['Bash(git push*)'] };
      it('approved: the push waits for the person, then runs', async () => {
        harness.server.setScript('ask-yes', { steps: [{ shell: push }, { text: 'pushed' }] });
        const asks: ApprovalAsk[] = [];
        const { agent, of } = await harness.session('ask-yes', { tools }, undefined, async (ask) => {
          asks.push(ask);
          return { approve: true, by: 'Ada' };
        });
        const outcome = await agent.runTurn();
        await agent.close();
        expect(outcome).toMatchObject({ ok: true, text: 'pushed' });
        expect(asks).toEqual([expect.objectContaining({ detail: push, rule: 'Bash(git push*)' })]);
        expect(of('approval').map((a) => [a.state, a.by])).toEqual([
          ['waiting', undefined],
          ['approved', 'Ada'],
        ]);
        expect(of('command').at(-1)).toMatchObject({ output: expect.stringContaining('push-ran') });
      });
      it('declined: the push does not run and the model sees the refusal with the reason', async () => {
        harness.server.setScript('ask-no', { steps: [{ shell: push }, { text: 'understood' }] });
        const { agent, of } = await harness.session('ask-no', { tools }, undefined, async () => ({
          approve: false,
          by: 'Ada',
          reason: 'not before the review 5e1d',
        }));
        const outcome = await agent.runTurn();
        await agent.close();
        expect(outcome).toMatchObject({ ok: true });
        expect(of('approval').at(-1)).toMatchObject({ state: 'declined', reason: 'not before the review 5e1d' });
        expect(of('command').some((c) => c.output?.includes('push-ran'))).toBe(false);
        const bodies = harness.server
          .requestsFor('ask-no')
          .filter((r) => r.api !== 'other')
          .map((r) => JSON.stringify(r.body));
        expect(bodies.some((b) => b.includes('not before the review 5e1d'))).toBe(true);
      });
    },
  };
  return harness;
}

const FAKE_MCP_SERVER = path.join(import.meta.dirname, 'fake-mcp-server.mjs');
