import { expect, it } from 'vitest';
import type { SequencedRunEvent } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createJoinToken, redeemJoinToken } from '../fleet/join.js';
import { fleetView, fleetThresholds } from '../fleet/status.js';
import {
  acceptRun,
  finishRun,
  ingestEvents,
  markStarted,
  offerRun,
  RunRefusal,
  withdrawExpiredOffers,
  reconcileHeldRuns,
} from './lifecycle.js';
import { listRunEvents, listRuns, requestCancel, runDetail, startCommandRun } from './runs.js';
import { appRouter } from '../api/router.js';
import { eq } from 'drizzle-orm';
import { runs } from '../db/schema.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from '../tickets/tickets.js';

const line = (seq: number): SequencedRunEvent => ({
  seq,
  ts: 1000 + seq,
  event: { type: 'output', stream: 'stdout', text: `line ${seq}` },
});

async function refusal(p: Promise<unknown>): Promise<RunRefusal> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunRefusal);
  return err as RunRefusal;
}

forEachDatabase('run lifecycle', (get) => {
  let n = 0;
  async function machine() {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    return (await redeemJoinToken(deps, join.token, { name: `m${++n}`, slots: 2 })).machine;
  }

  it('offers, accepts, stores events idempotently, acks only contiguous seqs, finishes', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const run = await startCommandRun(deps, admin, { machine: m.name, command: ['echo', 'hi'] });
    const offer = await offerRun(deps, run.id);
    expect(offer).toMatchObject({
      type: 'run.offer',
      leaseEpoch: 1,
      spec: { kind: 'command', command: ['echo', 'hi'] },
    });
    const f = { machineId: m.id, runId: run.id, leaseEpoch: 1 };
    expect((await acceptRun(deps, f)).state).toBe('preparing');
    expect((await markStarted(deps, f)).state).toBe('running');
    expect((await ingestEvents(deps, { ...f, events: [line(1), line(2), line(4)] })).ackedSeq).toBe(2);
    // A resend overlapping what is stored fills the gap and stores nothing twice.
    expect((await ingestEvents(deps, { ...f, events: [line(2), line(3), line(4), line(5)] })).ackedSeq).toBe(5);
    expect((await refusal(finishRun(deps, { ...f, lastSeq: 6, exitCode: 0, signal: null }))).code).toBe(
      'events_missing',
    );
    const done = await finishRun(deps, { ...f, lastSeq: 5, exitCode: 0, signal: null });
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect((await finishRun(deps, { ...f, lastSeq: 5, exitCode: 1, signal: null })).state).toBe('succeeded');
    const events = await listRunEvents(deps.db, admin.orgId, { run: run.id });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(
      (await listRunEvents(deps.db, admin.orgId, { run: run.id, afterSeq: 3 })).map(
        (e) => (e.event as { text: string }).text,
      ),
    ).toEqual(['line 4', 'line 5']);
    // Backwards (a long transcript's end first, older pages on scroll), still in seq order.
    const back = (beforeSeq: number, limit: number) =>
      listRunEvents(deps.db, admin.orgId, { run: run.id, beforeSeq, limit }).then((es) => es.map((e) => e.seq));
    expect(await back(6, 2)).toEqual([4, 5]);
    expect(await back(4, 2)).toEqual([2, 3]);
    expect(await back(2, 2)).toEqual([1]);
    const detail = await runDetail(deps.db, admin.orgId, run.id);
    expect(detail.transitions.map((t) => t.toState)).toEqual([
      'queued',
      'offered',
      'preparing',
      'running',
      'succeeded',
    ]);
    expect(detail.transitions.at(-1)!.reason).toBe('exit code 0');
  });

  it('refuses a stale lease epoch and another machine for progress and completion', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const other = await machine();
    const run = await startCommandRun(deps, admin, { machine: m.name, command: ['true'] });
    await offerRun(deps, run.id);
    const f = { machineId: m.id, runId: run.id, leaseEpoch: 1 };
    await acceptRun(deps, f);
    expect((await refusal(ingestEvents(deps, { ...f, leaseEpoch: 2, events: [line(1)] }))).code).toBe('stale_lease');
    expect(
      (await refusal(finishRun(deps, { ...f, leaseEpoch: 0 + 2, lastSeq: 0, exitCode: 0, signal: null }))).message,
    ).toMatch(/stale/);
    expect((await refusal(acceptRun(deps, { ...f, machineId: other.id }))).code).toBe('unknown_run');
    expect((await reconcileHeldRuns(deps, m.id, [{ runId: run.id, leaseEpoch: 7, lastSeq: 0 }]))[0]!.action).toBe(
      'kill',
    );
    expect((await runDetail(deps.db, admin.orgId, run.id)).state).toBe('preparing');
  });

  it('withdraws an offer not accepted in time, and a reconnecting old epoch cannot act', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const run = await startCommandRun(deps, admin, { machine: m.name, command: ['true'] });
    await offerRun(deps, run.id, -1);
    expect(await withdrawExpiredOffers(deps)).toContain(run.id);
    const again = await offerRun(deps, run.id);
    expect(again!.type === 'run.offer' && again!.leaseEpoch).toBe(2);
    expect((await refusal(acceptRun(deps, { machineId: m.id, runId: run.id, leaseEpoch: 1 }))).code).toBe(
      'stale_lease',
    );
  });

  it('counts used slots in the fleet view and cancels', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const a = await startCommandRun(deps, admin, { machine: m.name, command: ['sleep', '9'] });
    const b = await startCommandRun(deps, admin, { machine: m.name, command: ['sleep', '9'] });
    await offerRun(deps, a.id);
    const slots = async () =>
      (await fleetView(deps.db, admin.orgId, new Date(), fleetThresholds())).machines.find((x) => x.name === m.name)!
        .slots;
    expect(await slots()).toEqual({ total: 2, used: 1 });
    expect((await requestCancel(deps, admin, b.id)).state).toBe('canceled');
    const asked = await requestCancel(deps, admin, a.id);
    expect(asked.cancelRequestedAt).not.toBeNull();
    await acceptRun(deps, { machineId: m.id, runId: a.id, leaseEpoch: 1 });
    expect(
      (
        await finishRun(deps, {
          machineId: m.id,
          runId: a.id,
          leaseEpoch: 1,
          lastSeq: 0,
          exitCode: null,
          signal: 'SIGTERM',
        })
      ).state,
    ).toBe('canceled');
    expect(await slots()).toEqual({ total: 2, used: 0 });
  });

  it('ends an offered run whose cancel was asked when the offer is withdrawn, instead of re-queuing it', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const run = await startCommandRun(deps, admin, { machine: m.name, command: ['true'] });
    await offerRun(deps, run.id, -1);
    await requestCancel(deps, admin, run.id);
    expect(await withdrawExpiredOffers(deps)).toContain(run.id);
    expect((await runDetail(deps.db, admin.orgId, run.id)).state).toBe('canceled');
    expect(await offerRun(deps, run.id)).toBeNull();
  });

  it("lists only active runs, or only a project's runs, when asked (the board's running badges)", async () => {
    const { deps, admin } = get();
    const m = await machine();
    const done = await startCommandRun(deps, admin, { machine: m.name, command: ['true'] });
    await offerRun(deps, done.id);
    const f = { machineId: m.id, runId: done.id, leaseEpoch: 1 };
    await acceptRun(deps, f);
    await finishRun(deps, { ...f, lastSeq: 0, exitCode: 0, signal: null });
    const active = await startCommandRun(deps, admin, { machine: m.name, command: ['sleep', '9'] });
    const mine = await listRuns(deps.db, admin.orgId, { machine: m.name, active: true });
    expect(mine.items.map((r) => r.id)).toEqual([active.id]);
    expect((await listRuns(deps.db, admin.orgId, { machine: m.name })).items.map((r) => r.id).sort()).toEqual(
      [active.id, done.id].sort(),
    );
    // Command runs belong to no project.
    expect(await listRuns(deps.db, admin.orgId, { projectId: deps.ids.uuid() })).toEqual({
      items: [],
      nextCursor: null,
    });
    // A run of a ticket is listed with the ticket's identifier (`openase run list` shows it), one without with none.
    await createProject(deps, admin, { name: 'Listed' });
    const ticket = await createTicket(deps, admin, { project: 'listed', title: 'Listed run' });
    await deps.db.update(runs).set({ ticketId: ticket.id }).where(eq(runs.id, active.id));
    const listed = (await listRuns(deps.db, admin.orgId, { machine: m.name })).items;
    expect(listed.map((r) => [r.id, r.ticketIdentifier])).toEqual([
      [active.id, ticket.identifier],
      [done.id, null],
    ]);
  });

  it('names a run by the first characters of its id, as people copy it; a wrong one is refused in words', async () => {
    const { deps, admin } = get();
    const m = await machine();
    const run = await startCommandRun(deps, admin, { machine: m.name, command: ['sleep', '9'] });
    const api = appRouter.createCaller({ deps, actor: admin });
    expect((await api.runs.show({ run: run.id.slice(0, 8) })).id).toBe(run.id);
    expect((await api.runs.show({ run: run.id.toUpperCase() })).id).toBe(run.id);
    expect(await api.runs.events({ run: run.id.slice(0, 13) })).toEqual([]);
    const other = run.id.startsWith('f') ? '0000' : 'ffff';
    await expect(api.runs.show({ run: `${other}${run.id.slice(4, 8)}` })).rejects.toThrow(/does not exist/);
    await expect(api.runs.show({ run: 'ab' })).rejects.toThrow(/its first 4 characters or more/);
    await expect(api.runs.show({ run: 'not-a-run' })).rejects.toThrow(/its first 4 characters or more/);
    expect((await api.runs.cancel({ run: run.id.slice(0, 8) })).state).toBe('canceled');
  });
});
