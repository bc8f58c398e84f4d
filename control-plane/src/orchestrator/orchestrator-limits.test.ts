/**
 * The orchestrator against the fleet hub, with the test playing a daemon frame by frame (setup in
 * test/orchestrator-fixtures.ts): every enforced limit (turns, progress, attempts, timeouts, budget) and a
 * ticket cancelled under its run.
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { runs } from '../db/schema.js';
import { appRouter } from '../api/router.js';
import { retryTicket } from '../tickets/retry.js';
import { requestCancel } from '../runs/runs.js';
import { sweepCancels, withClockAhead, withOrchestrator } from '../../test/orchestrator-fixtures.js';

forEachDatabase('orchestrator', (get) => {
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
        `its agent made no progress: 3 turns in a row changed no file and neither moved, commented on nor reported progress on ${t.identifier}; retry the ticket or move it to pick it up again`,
      );
      const shown = await appRouter
        .createCaller({ deps: o.deps, actor: o.admin })
        .tickets.show({ ticket: t.identifier });
      expect(shown.activity.map((x) => x.action)).toEqual(expect.arrayContaining(['run.no_progress', 'ticket.parked']));
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
          /^stopped after 2 of 2 attempts \(last run failed: failed again.*\); retry the ticket or move it to try again$/,
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
      await waitFor('the cancel', () => o.frames('run.cancel').some((c) => c.runId === a.offer.runId));
      expect(o.frames('workspace.remove')).toEqual([]);
      await a.finish(143, 'canceled');
      await waitFor('the workspace removal', () =>
        o.frames('workspace.remove').some((f) => f.ticket.identifier === t.identifier),
      );
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
        'the first events acked',
        async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.ackedSeq >= 1,
      );
      await moveTicket(o.deps, o.admin, { ticket: moved.identifier, status: 'Backlog' });
      await waitFor('the cancel of the moved ticket', () =>
        o.frames('run.cancel').some((c) => c.runId === b.offer.runId),
      );
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
        'the run to be running',
        async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.state === 'running',
      );
      await withClockAhead(31 * 60_000, async () => {
        a.events({ type: 'progress', message: 'still going' }); // not stalled: it just spoke
        await waitFor(
          'the first events acked',
          async () => (await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId)))[0]!.ackedSeq >= 1,
        );
        const run = await sweepCancels(o, a, 'the timeout stop');
        expect(run).toMatchObject({ state: 'timed_out' });
        expect(run.stateReason).toMatch(/ran longer than timeout_minutes \(30\)/);
        expect((await o.ticketRow(t.id)).nextRetryAt).not.toBeNull();
      });
    });
  });

  it("says in words what ended a run at the daemon's deadline, and who canceled one", async () => {
    await withOrchestrator(get(), 'timeout_minutes: 30\n', async (o) => {
      // The daemon's own deadline ends the run first, with the bare reason "timeout": the retry said
      // "attempt 1 of 2 timed_out: timeout", a state name and no limit.
      const late = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Late', status: 'Todo' });
      await (await o.runAgent(late.identifier)).finish(1, 'timeout');
      const shown = await appRouter.createCaller({ deps: o.deps, actor: o.admin }).tickets.show({
        ticket: late.identifier,
      });
      expect(shown.activity.find((x) => x.action === 'ticket.retry_scheduled')!.summary).toBe(
        `${late.identifier}: attempt 1 of 2 timed out: ran longer than timeout_minutes (30); retrying in 10 s`,
      );
      // A person's cancel parks the ticket: it said "its run was canceled (canceled)".
      const dropped = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Dropped', status: 'Todo' });
      const b = await o.runAgent(dropped.identifier);
      await requestCancel(o.deps, o.admin, b.offer.runId);
      await b.finish(143, 'canceled');
      expect((await o.ticketRow(dropped.id)).parkedReason).toBe(
        'its run was canceled by a person; retry the ticket or move it to pick it up again',
      );
      // Who asked shows in the ticket's activity (the request was logged with no project or ticket).
      const history = await appRouter.createCaller({ deps: o.deps, actor: o.admin }).tickets.show({
        ticket: dropped.identifier,
      });
      expect(history.activity.map((x) => x.action)).toContain('run.cancel_requested');
    });
  });

  it('stops the run and parks the ticket when its budget is spent', async () => {
    await withOrchestrator(get(), '', async (o) => {
      const t = await createTicket(o.deps, o.admin, { project: o.slug, title: 'Pricey', status: 'Todo', budgetUsd: 1 });
      const a = await o.runAgent(t.identifier);
      a.events({ type: 'cost', usd: 0.6, source: 'cli' });
      a.events({ type: 'cost', usd: 0.6, source: 'cli' });
      await waitFor('the budget stop', () => o.frames('run.cancel').some((c) => c.runId === a.offer.runId));
      await a.finish(143, 'canceled');
      const ticket = await o.ticketRow(t.id);
      // What to do next, since a retry alone is held back again by the spent budget.
      expect(ticket.parkedReason).toBe(
        `budget: the ticket budget of $1.00 is spent ($1.20); raise it (\`openase ticket update ${t.identifier} --budget USD\`), then retry the ticket`,
      );
      const shown = await appRouter
        .createCaller({ deps: o.deps, actor: o.admin })
        .tickets.show({ ticket: t.identifier });
      expect(shown.activity.map((x) => x.action)).toContain('ticket.parked');
      const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
      expect(run!.state).toBe('failed');
    });
  });
});
