/**
 * The hub over in-memory transports (the protocol frames are real, the database is real):
 * sessions, replacement, liveness thresholds, lost machines and offers.
 */
import { afterEach, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createJoinToken, redeemJoinToken, revokeMachine } from './join.js';
import { PassThrough } from 'node:stream';
import { FleetHub } from './hub.js';
import { connectLines } from './line-transport.js';
import { MemorySink } from '../../test/frame-sink.js';
import { PAUSE_AT, type Session } from './session.js';
import { helloFrame } from '../../test/fake-daemon.js';
import { gitOpSchema } from '@openase/shared';
import { fleetView } from './status.js';
import { captureLogger } from '../kernel/logger.js';
import { listRunEvents, runDetail, startCommandRun } from '../runs/runs.js';
import { waitFor } from '@openase/test-kit/wait';

forEachDatabase('fleet hub', (get) => {
  let n = 0;
  // A hub left running by a failed test would go on sweeping the same database under the next one.
  const hubs: FleetHub[] = [];
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.stop();
  });
  async function setup(thresholds = {}, { slots = 1 } = {}) {
    const { admin } = get();
    const captured = captureLogger();
    const deps = { ...get().deps, log: captured.log };
    const join = await createJoinToken(deps, admin, {});
    const { machine } = await redeemJoinToken(deps, join.token, { name: `hub-${++n}`, slots });
    const logs = captured.records;
    const hub = new FleetHub(deps, thresholds);
    hubs.push(hub);
    const status = async () =>
      (await fleetView(deps.db, admin.orgId, new Date(), hub.thresholds, hub.startedAt)).machines.find(
        (m) => m.id === machine.id,
      )!;
    return { deps, admin, machine, hub, logs, status };
  }
  /** A session of the machine that has said hello and been offered a new command run. */
  async function offeredRun({ deps, admin, machine, hub }: Awaited<ReturnType<typeof setup>>) {
    const sink = new MemorySink();
    const conn = hub.connect(machine, sink);
    conn.receive(helloFrame());
    await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
    const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
    await hub.dispatch(machine.id);
    const offer = await waitFor('offer', () => sink.frames.find((f) => f.type === 'run.offer'));
    return { sink, conn, run, offer: offer as { leaseEpoch: number } };
  }
  /** The same, with the offer accepted (the run is preparing). */
  async function acceptedRun(ctx: Awaited<ReturnType<typeof setup>>) {
    const offered = await offeredRun(ctx);
    const { conn, run, offer } = offered;
    conn.receive(JSON.stringify({ type: 'run.accept', runId: run.id, leaseEpoch: offer.leaseEpoch }));
    await waitFor(
      'accepted',
      async () => (await runDetail(ctx.deps.db, ctx.admin.orgId, run.id)).state === 'preparing',
    );
    return offered;
  }

  it('marks a silent session disconnected, then lost, and fails its runs only when lost', async () => {
    // Wide margins for a loaded machine (CI: a status read can take most of a second on PGlite): the session
    // is closed after 1 s of silence, and stays disconnected for 4 s before it is lost. Whether it was online
    // before is not asked here: the row says so only within disconnectAfterMs of the hello (see the tests below).
    const ctx = await setup({ heartbeatMs: 50, disconnectAfterMs: 1_000, lostAfterMs: 4_000 });
    const { deps, admin, hub, status } = ctx;
    await hub.start();
    const { sink, conn, run } = await acceptedRun(ctx);
    // Silence: the sweep closes the session; the transport reports the close.
    await waitFor('closed for silence', () => sink.closedWith);
    expect(sink.closedWith!.code).toBe(4408);
    conn.closed();
    await waitFor('disconnected', async () => (await status()).status === 'disconnected');
    expect((await runDetail(deps.db, admin.orgId, run.id)).state).toBe('preparing');
    await waitFor('lost', async () => (await status()).status === 'lost');
    const lost = await waitFor('run lost', async () => {
      const r = await runDetail(deps.db, admin.orgId, run.id);
      return r.state === 'lost' ? r : null;
    });
    expect(lost.stateReason).toMatch(/machine hub-\d+ lost/);
    await hub.stop();
  });

  it('never takes a session it holds for one a dead replica left open, however old its row', async () => {
    // The row's last_seen_at is written sparingly; a session held here is judged by its own silence timer.
    // Before, a sweep between the last row write and the close of a silent session failed its runs as lost.
    const ctx = await setup({ heartbeatMs: 50, disconnectAfterMs: 60_000, lostAfterMs: 200 });
    const { deps, admin, hub } = ctx;
    const { run } = await acceptedRun(ctx);
    await new Promise((r) => setTimeout(r, 300));
    await hub.sweep();
    expect((await runDetail(deps.db, admin.orgId, run.id)).state).toBe('preparing');
    // Another replica, which does not hold the session, still takes the stale row for a dead replica's.
    const other = new FleetHub(deps, hub.thresholds);
    hubs.push(other);
    await new Promise((r) => setTimeout(r, 300));
    await other.sweep();
    expect((await runDetail(deps.db, admin.orgId, run.id)).state).toBe('lost');
  });

  it('stops reading a daemon that sends faster than its frames are handled, and reads again once caught up', async () => {
    const { machine, hub } = await setup();
    const calls: string[] = [];
    const sink = Object.assign(new MemorySink(), {
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    const conn = hub.connect(machine, sink);
    conn.receive(helloFrame());
    await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
    // The welcome is sent before the hello's handling ends: until it has, the hello still counts as not handled.
    const sessions = (hub as unknown as { sessions: Map<string, Session> }).sessions;
    await waitFor('hello handled', () => sessions.get(machine.id)?.pending === 0);
    const beat = JSON.stringify({ type: 'heartbeat', slotsUsed: 0, runs: [] });
    for (let i = 0; i < PAUSE_AT - 1; i++) conn.receive(beat);
    expect(calls).toEqual([]);
    conn.receive(beat); // the PAUSE_AT-th frame not yet handled
    expect(calls).toEqual(['pause']);
    await waitFor('resumed', () => calls.includes('resume'));
    expect(calls).toEqual(['pause', 'resume']);
    expect(sink.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(sink.closedWith).toBeNull();
  });

  it('pauses a line transport (local, SSH) the same way', async () => {
    const { machine, hub } = await setup();
    const input = new PassThrough();
    const written: string[] = [];
    connectLines(hub, machine, { input, write: (line) => written.push(line), end: () => {} });
    input.write(`${helloFrame()}\n`);
    await waitFor('welcome', () => written.some((l) => l.includes('"welcome"')));
    const paused: boolean[] = [];
    input.on('pause', () => paused.push(true)).on('resume', () => paused.push(false));
    input.write(`${JSON.stringify({ type: 'heartbeat', slotsUsed: 0, runs: [] })}\n`.repeat(PAUSE_AT));
    await waitFor('paused and read again', () => paused.join() === 'true,false');
    expect(input.isPaused()).toBe(false);
    expect(written.filter((l) => l.includes('"error"'))).toEqual([]);
  });

  it("stores a session's queued events of one run in one batch, in order, with one ack", async () => {
    const ctx = await setup();
    const { deps, admin, hub } = ctx;
    const { sink, conn, run, offer } = await acceptedRun(ctx);
    const frame = (type: string, more = {}) =>
      JSON.stringify({ type, runId: run.id, leaseEpoch: offer.leaseEpoch, ...more });
    conn.receive(frame('run.started'));
    await waitFor('running', async () => (await runDetail(deps.db, admin.orgId, run.id)).state === 'running');
    const events = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) =>
        frame('run.events', {
          events: [{ seq: from + i, ts: 1, event: { type: 'output', stream: 'stdout', text: `line ${from + i}` } }],
        }),
      );
    const batchesBefore = hub.ingest.stats.batches;
    // Received while none is handled yet: 20 frames, a heartbeat (not joined across), 5 more.
    for (const f of events(1, 20)) conn.receive(f);
    conn.receive(JSON.stringify({ type: 'heartbeat', slotsUsed: 1, runs: [] }));
    for (const f of events(21, 25)) conn.receive(f);
    const acks = await waitFor('every event acked', () => {
      const a = sink.frames.filter((f) => f.type === 'run.ack') as unknown as { ackedSeq: number }[];
      return a.at(-1)?.ackedSeq === 25 ? a : null;
    });
    expect(acks.map((a) => a.ackedSeq)).toEqual([20, 25]);
    expect(hub.ingest.stats.batches - batchesBefore).toBe(2);
    const stored = await listRunEvents(deps.db, admin.orgId, { run: run.id, limit: 100 });
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(sink.frames.filter((f) => f.type === 'error')).toEqual([]);
  });

  it("stores the queued events of a session's runs in one transaction, with an ack or a refusal per run, in order", async () => {
    const { deps, admin, machine, hub } = await setup({}, { slots: 2 });
    const sink = new MemorySink();
    const conn = hub.connect(machine, sink);
    conn.receive(helloFrame({ slots: 2 }));
    await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
    const runs: Array<{ id: string; leaseEpoch: number }> = [];
    for (let i = 0; i < 2; i++) {
      const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
      await hub.dispatch(machine.id);
      const offer = await waitFor('offer', () => sink.frames.find((f) => f.type === 'run.offer' && f.runId === run.id));
      const leaseEpoch = (offer as unknown as { leaseEpoch: number }).leaseEpoch;
      conn.receive(JSON.stringify({ type: 'run.accept', runId: run.id, leaseEpoch }));
      runs.push({ id: run.id, leaseEpoch });
    }
    for (const r of runs)
      await waitFor('accepted', async () => (await runDetail(deps.db, admin.orgId, r.id)).state === 'preparing');
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const events = (r: typeof a, seq: number, leaseEpoch = r.leaseEpoch) =>
      JSON.stringify({
        type: 'run.events',
        runId: r.id,
        leaseEpoch,
        events: [{ seq, ts: 1, event: { type: 'output', stream: 'stdout', text: `line ${seq}` } }],
      });
    const transactionsBefore = hub.ingest.stats.transactions;
    // Received while none is handled yet, interleaved as a daemon's runs send them; one with a stale lease.
    for (const f of [events(a, 1), events(b, 1), events(a, 2), events(b, 9, b.leaseEpoch + 1), events(b, 2)])
      conn.receive(f);
    conn.receive(events(a, 3));
    const replies = await waitFor('a reply per run and lease', () => {
      const r = sink.frames.filter((f) => f.type === 'run.ack' || f.type === 'error');
      return r.length >= 3 ? r : null;
    });
    expect(replies.map((f) => [f.type, 'runId' in f ? f.runId : null, 'ackedSeq' in f ? f.ackedSeq : f.code])).toEqual([
      ['run.ack', a.id, 3],
      ['run.ack', b.id, 2],
      ['error', b.id, 'stale_lease'],
    ]);
    expect(hub.ingest.stats.transactions - transactionsBefore).toBe(1);
    for (const r of runs)
      expect((await listRunEvents(deps.db, admin.orgId, { run: r.id, limit: 10 })).map((e) => e.seq)).toEqual(
        r === a ? [1, 2, 3] : [1, 2],
      );
  });

  it('reads on while its event stores are in flight; answers go out in order, a run.finished after them', async () => {
    const setupResult = await setup();
    const { deps, admin, hub } = setupResult;
    const { sink, conn, run, offer } = await offeredRun(setupResult);
    const { leaseEpoch } = offer;
    conn.receive(JSON.stringify({ type: 'run.accept', runId: run.id, leaseEpoch }));
    await waitFor('accepted', async () => (await runDetail(deps.db, admin.orgId, run.id)).state === 'preparing');
    // The first store is held until released: the frames after it must not wait for it to commit.
    const submit = hub.ingest.submit.bind(hub.ingest);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const submitted: number[] = [];
    hub.ingest.submit = async (batch) => {
      submitted.push(batch.events[0]!.seq);
      if (batch.events[0]!.seq === 1) await held;
      return submit(batch);
    };
    const events = (seq: number) =>
      JSON.stringify({
        type: 'run.events',
        runId: run.id,
        leaseEpoch,
        events: [{ seq, ts: 1, event: { type: 'output', stream: 'stdout', text: `line ${seq}` } }],
      });
    try {
      conn.receive(events(1));
      await waitFor('the first store submitted', () => submitted.length === 1);
      conn.receive(events(2));
      conn.receive(
        JSON.stringify({ type: 'run.finished', runId: run.id, leaseEpoch, lastSeq: 2, exitCode: 0, signal: null }),
      );
      await waitFor('the second store submitted while the first is held', () => submitted.length === 2, 5_000);
      expect(submitted).toEqual([1, 2]);
      await new Promise((r) => setTimeout(r, 100));
      expect(sink.frames.filter((f) => f.type === 'run.ack')).toEqual([]); // no answer overtakes the held store
    } finally {
      release();
    }
    const acks = await waitFor('three acks', () => {
      const a = sink.frames.filter((f) => f.type === 'run.ack');
      return a.length >= 3 ? a : null;
    });
    // The held store's ack first; the last, closing one after both stores: every event stored, none lost.
    expect(acks.map((f) => ('closed' in f && f.closed ? 'closed' : 'ack'))).toEqual(['ack', 'ack', 'closed']);
    expect(acks.at(-1)).toMatchObject({ ackedSeq: 2 });
    expect((await listRunEvents(deps.db, admin.orgId, { run: run.id, limit: 10 })).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('stop clears open sessions while the database is open; a transport that closes afterwards leaves it alone', async () => {
    const { deps, machine, status } = await setup();
    let dbClosed = false;
    // The database as shutdown leaves it: every use after close throws (as PGlite does).
    const db = new Proxy(deps.db, {
      get(target, prop, receiver) {
        if (dbClosed) throw new Error('PGlite is closed');
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const hub = new FleetHub({ ...deps, db }, {});
    const sink = new MemorySink();
    const conn = hub.connect(machine, sink);
    conn.receive(helloFrame());
    await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
    await hub.stop();
    expect((await status()).status).toBe('disconnected');
    dbClosed = true;
    // The local daemon exits after the control plane: its transport's close must not reach the database.
    conn.closed();
    await new Promise((r) => setTimeout(r, 50));
    dbClosed = false;
  });

  it("fails a git request with the machine's name when it disconnects, and as try-again-later when the hub stops", async () => {
    const { machine, hub } = await setup();
    const op = gitOpSchema.parse({ kind: 'diff', ticket: { identifier: 'HUB-1', branch: 'b' }, repos: [] });
    const connect = async () => {
      const sink = new MemorySink();
      const conn = hub.connect(machine, sink);
      conn.receive(helloFrame());
      await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
      return conn;
    };
    const conn = await connect();
    const lost = hub.git.request(machine.id, op).catch((e: unknown) => e);
    conn.closed();
    expect(await lost).toMatchObject({
      code: 'CONFLICT',
      message: `machine ${machine.name} disconnected before answering`,
    });
    await connect();
    const cut = hub.git.request(machine.id, op).catch((e: unknown) => e);
    await hub.stop();
    expect(await cut).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/shutting down; try again/),
    });
  });

  it('a new session replaces the open one; the stale close never clears the newer session', async () => {
    const { machine, hub, logs, status } = await setup();
    const a = new MemorySink();
    const b = new MemorySink();
    const connA = hub.connect(machine, a);
    connA.receive(helloFrame());
    await waitFor('welcome a', () => a.frames.find((f) => f.type === 'welcome'));
    const connB = hub.connect(machine, b);
    connB.receive(helloFrame());
    await waitFor('welcome b', () => b.frames.find((f) => f.type === 'welcome'));
    expect(a.closedWith?.code).toBe(4409);
    expect(logs.map((r) => r.msg).join('\n')).toMatch(/cloned/);
    connA.closed();
    await waitFor('a detached', async () => (await status()).status === 'online');
    expect(hub.isConnected(machine.id)).toBe(true);
    expect(hub.send(machine.id, { type: 'run.ack', runId: 'x', ackedSeq: 0 })).toBe(true);
    expect(b.frames.at(-1)).toMatchObject({ type: 'run.ack' });
    connB.closed();
    await waitFor('b detached', async () => (await status()).status === 'disconnected');
  });

  it('re-offers an offer not accepted in time, with a new lease epoch', async () => {
    const { deps, admin, machine, hub } = await setup({ heartbeatMs: 50 });
    (hub as unknown as { offerTimeoutMs: number }).offerTimeoutMs = 100;
    await hub.start();
    const sink = new MemorySink();
    hub.connect(machine, sink).receive(helloFrame());
    await waitFor('welcome', () => sink.frames.find((f) => f.type === 'welcome'));
    const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
    await hub.dispatch(machine.id);
    const offers = await waitFor('a second offer', () => {
      const o = sink.frames.filter((f) => f.type === 'run.offer');
      return o.length >= 2 ? o : null;
    });
    expect(offers.map((o) => (o as { leaseEpoch: number }).leaseEpoch).slice(0, 2)).toEqual([1, 2]);
    const detail = await runDetail(deps.db, admin.orgId, run.id);
    expect(detail.transitions.map((t) => t.reason)).toContain('offer withdrawn: not accepted in time');
    await hub.stop();
  });

  it('answers a stale lease epoch with stale_lease and stores nothing', async () => {
    const ctx = await setup();
    const { deps, admin } = ctx;
    const { sink, conn, run } = await offeredRun(ctx);
    const event = { seq: 1, ts: 1, event: { type: 'output', stream: 'stdout', text: 'stale' } };
    conn.receive(JSON.stringify({ type: 'run.events', runId: run.id, leaseEpoch: 9, events: [event] }));
    conn.receive(
      JSON.stringify({ type: 'run.finished', runId: run.id, leaseEpoch: 9, lastSeq: 0, exitCode: 0, signal: null }),
    );
    const errors = await waitFor('two refusals', () => {
      const e = sink.frames.filter((f) => f.type === 'error');
      return e.length >= 2 ? e : null;
    });
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['stale_lease', 'stale_lease']);
    expect(errors[0]).toMatchObject({
      runId: run.id,
      message: expect.stringMatching(/lease epoch 9 is stale \(current 1\)/),
    });
    const detail = await runDetail(deps.db, admin.orgId, run.id);
    expect(detail).toMatchObject({ state: 'offered', ackedSeq: 0 });
  });

  it('refuses a hello from a revoked machine with 4401', async () => {
    const { deps, admin, machine, hub, status } = await setup();
    await revokeMachine(deps, admin, machine.name);
    const sink = new MemorySink();
    hub.connect(machine, sink).receive(helloFrame());
    await waitFor('closed', () => sink.closedWith);
    expect(sink.closedWith).toMatchObject({ code: 4401 });
    expect(sink.frames[0]).toMatchObject({ type: 'error', message: expect.stringMatching(/has been revoked/) });
    expect(hub.isConnected(machine.id)).toBe(false);
    expect((await status()).status).toBe('revoked');
  });
});
