/**
 * The orchestrator against the fleet hub, with the test playing a daemon frame by frame: what is
 * offered, how turns are answered, what the gate does, and every enforced limit. (End to end with
 * a real daemon process, git and an agent: test/orchestrator-e2e.test.ts.)
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { AgentJobSpec, ControlFrame, RunEvent } from '@openase/shared';
import { forEachDatabase, type TestDb } from '@openase/test-kit/databases';
import { waitFor } from '../../test/wait.js';
import { fakeDaemon, helloFrame, PLATFORM_URL, startOrchestrator } from '../../test/fake-daemon.js';
import { agentProject } from '../../test/agent-project.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { updateAgent } from '../agents/agents.js';
import { createJoinToken, redeemJoinToken } from '../fleet/join.js';
import { FleetHub } from '../fleet/hub.js';
import { runs, tickets } from '../db/schema.js';
import { authenticateRunToken } from '../auth/run-tokens.js';
import { appRouter } from '../api/router.js';
import { retryTicket } from '../tickets/retry.js';

const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

let n = 0;

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup(db: TestDb, harness = '') {
  const deps = { ...db.deps, clock };
  const { admin } = db;
  const slug = `o${++n}`;
  await agentProject(deps, admin, {
    slug,
    ticketPrefix: `O${n}X`,
    agent: { secrets: { ANTHROPIC_API_KEY: 'sk-from-secret' } },
    harness: `finish: [In Review]\nmax_attempts: 2\n${harness}`,
    body: 'Work on {{ ticket.title }}.',
  });
  const join = await createJoinToken(deps, admin, { labels: [slug] });
  const { machine } = await redeemJoinToken(deps, join.token, { name: `${slug}-box`, slots: 2 });
  const hub = new FleetHub(deps, { offerTimeoutMs: 60_000 });
  const orchestrator = startOrchestrator(deps, hub);
  // The test is the daemon: it sees every frame the hub sends and answers by hand.
  const { frames: received, conn, send } = fakeDaemon(hub, machine);
  conn.receive(
    helloFrame({ labels: [slug], slots: 2, clis: [{ name: 'claude', version: '2.1.197', path: '/usr/bin/claude' }] }),
  );
  await waitFor(() => received.some((f) => f.type === 'welcome'));
  const frames = <T extends ControlFrame['type']>(type: T) =>
    received.filter((f): f is Extract<ControlFrame, { type: T }> => f.type === type);
  let seq = 0;
  const taken = new Set<string>();
  const runAgent = async (ticketRef: string) => {
    const fresh = () =>
      frames('run.offer').find(
        (o) => o.spec.kind === 'agent' && o.spec.ticket.identifier === ticketRef && !taken.has(o.runId),
      );
    await waitFor(() => !!fresh(), { what: `an offer for ${ticketRef}` });
    const offer = fresh()!;
    taken.add(offer.runId);
    const f = { runId: offer.runId, leaseEpoch: offer.leaseEpoch };
    send({ type: 'run.accept', ...f });
    send({ type: 'run.started', ...f });
    seq = 0;
    const events = (...evs: RunEvent[]) =>
      send({ type: 'run.events', ...f, events: evs.map((event) => ({ seq: ++seq, ts: Date.now(), event })) });
    const answer = async (frame: object, type: 'run.turn' | 'run.gate') => {
      const before = frames('run.next').length;
      send({ type, ...f, lastSeq: seq, ...frame });
      await waitFor(() => frames('run.next').length > before, { what: `an answer to ${type}` });
      return frames('run.next').at(-1)!;
    };
    const finish = async (exitCode: number, reason: string) => {
      send({ type: 'run.finished', ...f, lastSeq: seq, exitCode, signal: null, reason });
      await waitFor(
        async () => (await deps.db.select().from(runs).where(eq(runs.id, f.runId)))[0]!.settledAt !== null,
        { what: 'the run to be settled' },
      );
    };
    const agentApi = async () =>
      appRouter.createCaller({
        deps,
        actor: await authenticateRunToken(deps, (offer.spec as AgentJobSpec).platform.token),
      });
    return {
      offer,
      spec: offer.spec as AgentJobSpec,
      events,
      turn: (fr: object) => answer(fr, 'run.turn'),
      /** A tools.ask call waiting for a person (`run.approval`). */
      approval: (fr: object) => send({ type: 'run.approval', ...f, ...fr }),
      gate: (fr: object) => answer(fr, 'run.gate'),
      finish,
      agentApi,
    };
  };
  const ticketRow = async (id: string) => (await deps.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const stop = async () => {
    await orchestrator.stop();
    await hub.stop();
  };
  return { deps, admin, slug, machine, orchestrator, hub, frames, runAgent, ticketRow, stop };
}

/** Runs `work` with the orchestrator `setup` starts, and stops it afterwards whatever happens. */
async function withOrchestrator(db: TestDb, harness: string, work: (o: Setup) => Promise<void>) {
  const o = await setup(db, harness);
  try {
    await work(o);
  } finally {
    await o.stop();
  }
}

/** Runs `work` with the clock `ms` ahead, and puts it back afterwards whatever happens. */
async function withClockAhead(ms: number, work: () => Promise<void>) {
  clock.offsetMs += ms;
  try {
    await work();
  } finally {
    clock.offsetMs = 0;
  }
}

/** A sweep cancels `a`'s run (`what` names the wait): its daemon ends it as canceled; answers the run as stored. */
async function sweepCancels(o: Setup, a: Awaited<ReturnType<Setup['runAgent']>>, what: string) {
  await o.orchestrator.sweep();
  await waitFor(() => o.frames('run.cancel').some((c) => c.runId === a.offer.runId), { what });
  await a.finish(143, 'canceled');
  const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
  return run!;
}

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

  it('names the tool calls the harness refused in the reason of a run that stops unfinished', async () => {
    await withOrchestrator(get(), 'max_turns: 2\n', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Denied', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      // Turns left: the run continues (the refusal is in the run's events, not a stop).
      expect(await a.turn({ turn: 1, ok: true, deniedTools: ['Bash'] })).toMatchObject({ action: 'continue' });
      expect(await a.turn({ turn: 2, ok: true, deniedTools: ['Bash', 'Write', 'Bash'] })).toMatchObject({
        action: 'stop',
        outcome: 'failed',
        reason: 'used all 2 turns without finishing; the harness refused: Bash ×2, Write',
      });
      await a.finish(1, 'used all 2 turns without finishing; the harness refused: Bash ×2, Write');
    });
  });

  it('stops a run after no_progress_turns turns without a file change or an agent action, and parks its ticket', async () => {
    await withOrchestrator(get(), '', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Loops', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      const base = 'a'.repeat(40);
      const commits = (head: string) => [{ repo: 'app', branch: 'b', head, base, pushed: head !== base }];
      // Progress resets the count: a commit (turn 2), a comment (turn 4).
      expect(await a.turn({ turn: 1, ok: true, commits: commits(base) })).toMatchObject({ action: 'continue' });
      expect(await a.turn({ turn: 2, ok: true, commits: commits('b'.repeat(40)) })).toMatchObject({
        action: 'continue',
      });
      expect(await a.turn({ turn: 3, ok: true, commits: commits('b'.repeat(40)) })).toMatchObject({
        action: 'continue',
      });
      await (await a.agentApi()).comments.add({ ticket: t.identifier, body: 'still looking' });
      for (const turn of [4, 5, 6])
        expect(await a.turn({ turn, ok: true, commits: commits('b'.repeat(40)) })).toMatchObject({
          action: 'continue',
        });
      const stopped = await a.turn({ turn: 7, ok: true, commits: commits('b'.repeat(40)) });
      expect(stopped).toMatchObject({ action: 'stop', outcome: 'failed' });
      expect(stopped.reason).toBe(
        `no progress: 3 turns in a row changed no file and neither moved, commented on nor reported progress on ${t.identifier}`,
      );
      await a.finish(1, stopped.reason!);
      // Parked (not retried), and `ticket show` says why.
      const ticket = await o.ticketRow(t.id);
      expect(ticket.nextRetryAt).toBeNull();
      expect(ticket.parkedReason).toBe(
        `its agent made no progress: 3 turns in a row changed no file and neither moved, commented on nor reported progress on ${t.identifier}; press retry or move the ticket to pick it up again`,
      );
      const shown = await appRouter
        .createCaller({ deps: o.deps, actor: o.admin })
        .tickets.show({ ticket: t.identifier });
      expect(shown.activity.map((x) => x.action)).toEqual(expect.arrayContaining(['run.no_progress', 'ticket.parked']));
    });
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
      await waitFor(async () => (await waiting()).length === 1, { what: 'the call to wait for a person' });
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
      await waitFor(() => decisions().length === 2, { what: 'the stored decision' });
      expect(decisions().at(-1)).toMatchObject({ approvalId: 'toolu_1', approve: true });

      ask('toolu_2');
      await waitFor(async () => (await waiting()).length === 1, { what: 'the second call' });
      await api.runs.decline({ run: a.offer.runId, reason: 'not before the review' });
      expect(decisions().at(-1)).toMatchObject({ approve: false, reason: 'not before the review' });

      // Nobody answers: quiet is not a stall while a person is asked, and the deadline declines it.
      ask('toolu_3');
      await waitFor(async () => (await waiting()).length === 1, { what: 'the third call' });
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

  it('retries a failed attempt with backoff, then parks the ticket after max_attempts', async () => {
    await withOrchestrator(get(), '', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Flaky', status: 'Todo' });
      await o.orchestrator.idle();
      const first = await o.runAgent(t.identifier);
      expect(await first.turn({ turn: 1, ok: false, error: 'API Error: 500' })).toMatchObject({
        action: 'stop',
        outcome: 'failed',
      });
      await first.finish(1, 'the agent CLI failed');
      const afterFirst = await o.ticketRow(t.id);
      expect(afterFirst.nextRetryAt!.getTime() - Date.now()).toBeGreaterThan(5_000);
      expect(afterFirst.parkedReason).toBeNull();
      // the 10 s backoff has passed
      await withClockAhead(11_000, async () => {
        await o.orchestrator.sweep();
        const second = await o.runAgent(t.identifier);
        expect(second.spec.attempt).toBe(2);
        await second.turn({ turn: 1, ok: false, error: 'again' });
        await second.finish(1, 'failed again');
        expect((await o.ticketRow(t.id)).parkedReason).toMatch(
          /stopped after 2 of 2 attempts \(last run failed: failed again/,
        );
        // A person presses retry: attempts start over and it is dispatched at once.
        await retryTicket(o.deps, o.admin, { ticket: t.identifier });
        const third = await o.runAgent(t.identifier);
        expect(third.spec.attempt).toBe(1);
        // The runs themselves keep counting: no two runs of the ticket share a number on screen.
        const numbers = await o.deps.db
          .select({ attempt: runs.attempt })
          .from(runs)
          .where(eq(runs.ticketId, t.id))
          .orderBy(runs.createdAt);
        expect(numbers.map((r) => r.attempt)).toEqual([1, 2, 3]);
      });
    });
  });

  it('a ticket moved to Cancelled while its run is going: the run is canceled, then its workspace removed', async () => {
    await withOrchestrator(get(), '', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Drop it', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      await moveTicket(o.deps, o.admin, { ticket: t.identifier, status: 'Cancelled' });
      await waitFor(() => o.frames('run.cancel').some((c) => c.runId === a.offer.runId), { what: 'the cancel' });
      expect(o.frames('workspace.remove')).toEqual([]);
      await a.finish(143, 'canceled');
      await waitFor(() => o.frames('workspace.remove').some((f) => f.ticket.identifier === t.identifier), {
        what: 'the workspace removal',
      });
      // Not acknowledged yet: a reconnect of the machine asks again, for finished tickets only.
      const live = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Still open', status: 'Todo' });
      await (await o.runAgent(live.identifier)).finish(1, 'failed');
      const before = o.frames('workspace.remove').length;
      await o.orchestrator.hooks.onConnected(o.machine.id);
      expect(
        o
          .frames('workspace.remove')
          .slice(before)
          .map((f) => f.ticket.identifier),
      ).toEqual([t.identifier]);
    });
  });

  it('stops a run that ran past its timeout or went quiet, and one whose ticket was moved out of its workflow', async () => {
    await withOrchestrator(get(), 'timeout_minutes: 30\nstall_timeout_minutes: 5\n', async (o) => {
      const quiet = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Quiet', status: 'Todo' });
      const moved = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Moved', status: 'Todo' });
      const a = await o.runAgent(quiet.identifier);
      const b = await o.runAgent(moved.identifier);
      a.events({ type: 'progress', message: 'thinking' });
      await waitFor(
        async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.ackedSeq >= 1,
      );
      await moveTicket(o.deps, o.admin, { ticket: moved.identifier, status: 'Backlog' });
      await waitFor(() => o.frames('run.cancel').some((c) => c.runId === b.offer.runId), {
        what: 'the cancel of the moved ticket',
      });
      await withClockAhead(6 * 60_000, async () => {
        const run = await sweepCancels(o, a, 'the cancel of the stalled run');
        expect(run).toMatchObject({ state: 'stalled' });
        expect(run.stateReason).toMatch(/stall_timeout_minutes \(5\)/);
      });
    });
  });

  it('stops a run that keeps talking past timeout_minutes as timed out', async () => {
    await withOrchestrator(get(), 'timeout_minutes: 30\n', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Endless', status: 'Todo' });
      const a = await o.runAgent(t.identifier);
      await waitFor(
        async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.state === 'running',
      );
      await withClockAhead(31 * 60_000, async () => {
        a.events({ type: 'progress', message: 'still going' }); // not stalled: it just spoke
        await waitFor(
          async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.ackedSeq >= 1,
        );
        const run = await sweepCancels(o, a, 'the timeout stop');
        expect(run).toMatchObject({ state: 'timed_out' });
        expect(run.stateReason).toMatch(/ran longer than timeout_minutes \(30\)/);
        expect((await o.ticketRow(t.id)).nextRetryAt).not.toBeNull();
      });
    });
  });

  it('stops the run and parks the ticket when its budget is spent', async () => {
    await withOrchestrator(get(), '', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Pricey', status: 'Todo', budgetUsd: 1 });
      const a = await o.runAgent(t.identifier);
      a.events({ type: 'cost', usd: 0.6, source: 'cli' });
      a.events({ type: 'cost', usd: 0.6, source: 'cli' });
      await waitFor(() => o.frames('run.cancel').some((c) => c.runId === a.offer.runId), { what: 'the budget stop' });
      await a.finish(143, 'canceled');
      const ticket = await o.ticketRow(t.id);
      expect(ticket.parkedReason).toMatch(/budget: the ticket budget of \$1\.00 is spent/);
      const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(run!.state).toBe('failed');
    });
  });
});
