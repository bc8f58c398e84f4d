/**
 * The orchestrator against the fleet hub, with the test playing a daemon frame by frame (setup in
 * test/orchestrator-fixtures.ts): what is offered, how turns are answered, what the gate does, and a person
 * approving tool calls or steering a live run. (End to end with a real daemon process, git and an agent:
 * test/orchestrator-e2e.test.ts.)
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';
import { PLATFORM_URL } from '../../test/fake-daemon.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { updateAgent } from '../agents/agents.js';
import { runs } from '../db/schema.js';
import { appRouter } from '../api/router.js';
import { clock, setup, withOrchestrator } from '../../test/orchestrator-fixtures.js';

forEachDatabase('orchestrator', (get) => {
  it('dispatches a ticket moved to Todo, answers turns, gates the finish, records usage and cost', async () => {
    await withOrchestrator(get(), 'hooks:\n  before_finish:\n    - run: npm test\n', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Add login' });
      await moveTicket(o.deps, o.admin, { ticket: t.identifier, status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      expect(a.spec.agent.env.ANTHROPIC_API_KEY).toBe('sk-from-secret');
      expect(a.spec.platform.url).toBe(PLATFORM_URL);
      expect(a.spec.hooks.before_finish?.[0]).toMatchObject({ run: 'npm test', policy: 'block' });
      a.events(
        { type: 'session.started', sessionId: 'sess-1' },
        { type: 'usage', inputTokens: 1000, outputTokens: 200, cachedTokens: 0 },
        { type: 'cost', usd: 0.25, source: 'cli' },
      );
      expect(await a.turn({ turn: 1, ok: true, sessionId: 'sess-1' })).toMatchObject({
        action: 'continue',
        input: expect.stringMatching(/turn 2 of 10/),
      });
      // The agent asks to finish; the ticket does not move yet.
      const api = await a.agentApi();
      expect((await api.tickets.move({ ticket: t.identifier, status: 'In Review' })).pendingStatus).toBe('In Review');
      expect(await a.turn({ turn: 2, ok: true })).toMatchObject({ action: 'finish' });
      const refused = await a.gate({ turn: 2, passed: false, output: 'FAIL login.test.ts: expected 200, got 500' });
      expect(refused).toMatchObject({ action: 'continue', input: expect.stringContaining('FAIL login.test.ts') });
      expect(
        (await appRouter.createCaller({ deps: o.deps, actor: o.admin }).tickets.show({ ticket: t.identifier })).status
          .name,
      ).toBe('Todo');
      await api.tickets.move({ ticket: t.identifier, status: 'In Review' });
      expect(await a.turn({ turn: 3, ok: true })).toMatchObject({ action: 'finish' });
      expect(await a.gate({ turn: 3, passed: true })).toMatchObject({ action: 'stop', outcome: 'succeeded' });
      const shown = await appRouter
        .createCaller({ deps: o.deps, actor: o.admin })
        .tickets.show({ ticket: t.identifier });
      expect(shown.status.name).toBe('In Review');
      await a.finish(0, 'succeeded');
      const ticket = await o.ticketRow(t.id);
      expect(ticket).toMatchObject({
        costUsd: 0.25,
        inputTokens: 1000,
        outputTokens: 200,
        parkedReason: null,
        nextRetryAt: null,
      });
      const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(run).toMatchObject({ state: 'succeeded', sessionId: 'sess-1', costUsd: 0.25 });
      // An agent run's exit code is the daemon's verdict, not a process's: never said as one ("…: exit code 0").
      expect(run!.stateReason).not.toMatch(/exit code/);
      // The run's token died with it.
      await expect(a.agentApi()).rejects.toThrow(/no longer valid/);
    });
  });

  it("merges the agent's own MCP servers under the workflow's, secrets filled in only in the offer", async () => {
    await withOrchestrator(get(), 'mcp_servers:\n  docs:\n    command: workflow-docs\n', async (o) => {
      await updateAgent(o.deps, o.admin, {
        project: o.slug,
        agent: 'claude',
        mcpServers: {
          docs: { command: 'agent-docs' },
          tracker: { command: 'tracker-mcp', args: ['--stdio'], env: { TRACKER_TOKEN: '${ANTHROPIC_API_KEY}' } },
        },
      });
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Use MCP', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      expect(a.spec.agent.mcpServers).toEqual({
        docs: { command: 'workflow-docs', args: [], env: {} },
        tracker: { command: 'tracker-mcp', args: ['--stdio'], env: { TRACKER_TOKEN: 'sk-from-secret' } },
      });
      const [row] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(JSON.stringify(row!.spec)).not.toContain('sk-from-secret');
    });
  });

  it("passes the workflow's MCP servers to the agent, with the agent's secrets filled in only in the offer", async () => {
    const o = await setup(
      get(),
      'mcp_servers:\n  docs:\n    command: docs-mcp\n    args: [--stdio]\n    env:\n      DOCS_KEY: ${ANTHROPIC_API_KEY}\n      MODE: ${UNKNOWN}\n  search:\n    url: https://mcp.example.test/sse\n    headers:\n      Authorization: Bearer ${ANTHROPIC_API_KEY}\n',
    );
    try {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Use MCP', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      expect(a.spec.agent.mcpServers).toEqual({
        docs: { command: 'docs-mcp', args: ['--stdio'], env: { DOCS_KEY: 'sk-from-secret', MODE: '${UNKNOWN}' } },
        search: { url: 'https://mcp.example.test/sse', headers: { Authorization: 'Bearer sk-from-secret' } },
      });
      // The stored spec keeps the placeholders: the secret is never written to the run row.
      const [row] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(JSON.stringify(row!.spec)).not.toContain('sk-from-secret');
      expect(JSON.stringify(row!.spec)).toContain('${ANTHROPIC_API_KEY}');
    } finally {
      await o.stop();
    }
  });

  it('holds a tools.ask call for a person: approved, declined with a reason, declined by itself after approval_timeout_minutes', async () => {
    const o = await setup(get(), 'tools:\n  ask: ["Bash(git push*)"]\napproval_timeout_minutes: 10\n');
    try {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Push it', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      expect(a.spec.agent.tools.ask).toEqual(['Bash(git push*)']);
      const api = appRouter.createCaller({ deps: o.deps, actor: o.admin, fleet: o.hub });
      const ask = (id: string) =>
        a.approval({ approvalId: id, tool: 'Bash', detail: `git push origin HEAD # ${id}`, rule: 'Bash(git push*)' });
      const waiting = () => api.tickets.show({ ticket: t.identifier }).then((d) => d.approvals);
      const decisions = () => o.frames('run.decision');

      ask('toolu_1');
      await waitFor('the call to wait for a person', async () => (await waiting()).length === 1);
      expect((await waiting())[0]).toMatchObject({ tool: 'Bash', detail: 'git push origin HEAD # toolu_1' });
      const listed = await api.runs.list({ projectId: (await o.ticketRow(t.id)).projectId, active: true });
      expect(listed.items.find((r) => r.id === a.offer.runId)?.waitingApprovals).toBe(1);
      // A viewer may watch but not decide.
      const viewer = appRouter.createCaller({ deps: o.deps, actor: { ...o.admin, name: 'Vic', role: 'viewer' } });
      await expect(viewer.runs.approve({ run: a.offer.runId })).rejects.toThrow(/cannot approve/);
      await api.runs.approve({ run: a.offer.runId });
      expect(decisions().at(-1)).toMatchObject({ approvalId: 'toolu_1', approve: true, by: 'admin' });
      expect(await waiting()).toEqual([]);
      await expect(api.runs.approve({ run: a.offer.runId })).rejects.toThrow(/no tool call waiting/);
      // Resent after a reconnect: answered from the stored decision, recorded once.
      ask('toolu_1');
      await waitFor('the stored decision', () => decisions().length === 2);
      expect(decisions().at(-1)).toMatchObject({ approvalId: 'toolu_1', approve: true });

      ask('toolu_2');
      await waitFor('the second call', async () => (await waiting()).length === 1);
      await api.runs.decline({ run: a.offer.runId, reason: 'not before the review' });
      expect(decisions().at(-1)).toMatchObject({ approve: false, reason: 'not before the review' });

      // Nobody answers: quiet is not a stall while a person is asked, and the deadline declines it.
      ask('toolu_3');
      await waitFor('the third call', async () => (await waiting()).length === 1);
      clock.offsetMs = 11 * 60_000;
      await o.orchestrator.sweep();
      expect(decisions().at(-1)).toMatchObject({
        approvalId: 'toolu_3',
        approve: false,
        by: 'approval timeout',
        reason: 'nobody approved it within approval_timeout_minutes (10)',
      });
      const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(run!.state).toBe('running');
      const actions = (await api.tickets.show({ ticket: t.identifier })).activity.map((e) => e.action);
      expect(actions.filter((x) => x.startsWith('run.approv') || x === 'run.declined')).toEqual([
        'run.approval_requested',
        'run.approved',
        'run.approval_requested',
        'run.declined',
        'run.approval_requested',
        'run.declined',
      ]);
    } finally {
      clock.offsetMs = 0;
      await o.stop();
    }
  });

  it("delivers a person's message to a live run as the next turn's input, or at once by interrupting the turn", async () => {
    await withOrchestrator(get(), 'max_turns: 5\n', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Steer it', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      const api = appRouter.createCaller({ deps: o.deps, actor: o.admin, fleet: o.hub });
      expect(await api.runs.steer({ run: a.offer.runId, text: 'use the existing HTTP client' })).toEqual({
        queued: 1,
        interrupted: false,
      });
      expect(await a.turn({ turn: 1, ok: true })).toMatchObject({
        action: 'continue',
        author: 'admin',
        input: expect.stringContaining(
          'A message from admin (a person watching this run):\nuse the existing HTTP client',
        ),
      });
      // Delivered once: the turn after it gets the usual guidance.
      expect(await a.turn({ turn: 2, ok: true })).toMatchObject({
        action: 'continue',
        input: expect.stringMatching(/turn 3 of 5/),
      });
      await api.runs.steer({ run: a.offer.runId, text: 'stop, use Redis', interrupt: true });
      expect(o.frames('run.interrupt').at(-1)).toMatchObject({ runId: a.offer.runId });
      // The interrupted turn ends not ok, yet the run goes on with the message.
      expect(await a.turn({ turn: 3, ok: false, error: 'interrupted by the platform' })).toMatchObject({
        action: 'continue',
        input: expect.stringContaining('stop, use Redis'),
      });
      const viewer = appRouter.createCaller({ deps: o.deps, actor: { ...o.admin, name: 'Vic', role: 'viewer' } });
      await expect(viewer.runs.steer({ run: a.offer.runId, text: 'hi' })).rejects.toThrow(/cannot send messages/);
      const actions = (await api.tickets.show({ ticket: t.identifier })).activity.map((e) => e.action);
      expect(actions.filter((x) => x === 'run.steered')).toHaveLength(2);
    });
  });
});
