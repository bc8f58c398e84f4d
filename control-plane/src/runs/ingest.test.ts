import { describe, expect, it } from 'vitest';
import type { RunEvent, SequencedRunEvent } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import type { RunChange } from '../kernel/change-bus.js';
import { createJoinToken, redeemJoinToken } from '../fleet/join.js';
import { contiguousFrom, mayNeedMending, storeEventBatches, storableJson, type EventBatch } from './ingest.js';
import { EventIngestQueue } from './ingest-queue.js';
import { acceptRun, finishRun, ingestEvents, offerRun, withdrawExpiredOffers } from './lifecycle.js';
import { MAX_HELD_EVENTS, streamRunEvents } from './stream.js';
import { listRunEvents, runDetail, startCommandRun } from './runs.js';
import { eq, inArray } from 'drizzle-orm';
import { runEvents, runs } from '../db/schema.js';

const line = (seq: number, text = `line ${seq}`): SequencedRunEvent => ({
  seq,
  ts: 1_700_000_000_000 + seq,
  event: { type: 'output', stream: 'stdout', text },
});
const at = (seq: number, event: RunEvent): SequencedRunEvent => ({ seq, ts: 1_700_000_000_000 + seq, event });

describe('contiguousFrom', () => {
  it('stops at the first gap and skips what is already acked', () => {
    expect(contiguousFrom(0, [1, 2, 4])).toBe(2);
    expect(contiguousFrom(2, [1, 2, 3, 4])).toBe(4);
    expect(contiguousFrom(5, [7, 8])).toBe(5);
    expect(contiguousFrom(0, [])).toBe(0);
  });
});

describe('storableJson', () => {
  it('replaces U+0000 and lone surrogates, never an escaped backslash followed by "u0000", never a valid pair', () => {
    const cases: Array<[string, string]> = [
      ['a\u0000b', 'a\ufffdb'],
      ['a\\u0000b', 'a\\u0000b'],
      ['\\\u0000', '\\\ufffd'],
      ['\\\\u0000\u0000', '\\\\u0000\ufffd'],
      ['lone \ud800 high, lone \udc00 low', 'lone \ufffd high, lone \ufffd low'],
      ['pair \ud83d\ude00 kept', 'pair \ud83d\ude00 kept'],
      ['reversed \ude00\ud83d', 'reversed \ufffd\ufffd'],
      ['plain', 'plain'],
    ];
    for (const [text, stored] of cases) expect(JSON.parse(storableJson(JSON.stringify({ text }))).text).toBe(stored);
  });

  it('mayNeedMending finds, in text and in UTF-8 bytes, every escape storableJson mends, and steps over an escaped backslash', () => {
    const cases: Array<[string, boolean]> = [
      [String.raw`{"t":"a\u0000b"}`, true],
      [String.raw`{"t":"a\\u0000b"}`, false],
      [String.raw`{"t":"\\\u0000"}`, true],
      [String.raw`{"t":"lone \ud800"}`, true],
      [String.raw`{"t":"low \uDC00 end"}`, true],
      [String.raw`{"t":"pair 😀, é, \\ and \n \u0041"}`, false],
      [String.raw`{"t":"x\\"}`, false],
    ];
    for (const [json, mends] of cases) {
      expect(storableJson(json) !== json, json).toBe(mends);
      expect(mayNeedMending(json), json).toBe(mends);
      expect(mayNeedMending(new TextEncoder().encode(json)), `${json} as bytes`).toBe(mends);
    }
  });
});

forEachDatabase('run event ingest', (get) => {
  let n = 0;
  /** A running command run on a fresh machine; returns what a batch needs to name it. */
  async function runningRun({ accepted = true } = {}) {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const machine = (await redeemJoinToken(deps, join.token, { name: `ingest${++n}`, slots: 4 })).machine;
    const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
    if (accepted) {
      await offerRun(deps, run.id);
      await acceptRun(deps, { machineId: machine.id, runId: run.id, leaseEpoch: 1 });
    }
    return { machineId: machine.id, runId: run.id, leaseEpoch: 1 };
  }
  const seqs = async (runId: string) =>
    (await listRunEvents(get().deps.db, get().admin.orgId, { run: runId })).map((e) => e.seq);

  it('stores batches of several runs in one transaction, each with its own ack, and refuses only the stale and the unknown ones', async () => {
    const { deps } = get();
    const a = await runningRun();
    const b = await runningRun();
    const { results, changes } = await storeEventBatches(deps, [
      { ...a, events: [line(1), line(2)] },
      { ...b, events: [line(1), line(2), line(3)] },
      { ...a, leaseEpoch: 7, events: [line(3)] },
      { ...a, events: [line(3), line(2)] },
      { ...b, machineId: a.machineId, events: [line(4)] },
      { ...a, runId: 'not-a-uuid', events: [line(4)] },
    ]);
    expect(results.map((r) => (r.ok ? r.change.ackedSeq : r.refusal.code))).toEqual([
      3,
      3,
      'stale_lease',
      3,
      'unknown_run',
      'unknown_run',
    ]);
    expect(changes.map((c) => [c.runId, c.ackedSeq, c.state]).sort()).toEqual(
      [
        [a.runId, 3, 'running'],
        [b.runId, 3, 'running'],
      ].sort(),
    );
    expect(await seqs(a.runId)).toEqual([1, 2, 3]);
    expect(await seqs(b.runId)).toEqual([1, 2, 3]);
    const detail = await runDetail(deps.db, get().admin.orgId, a.runId);
    expect(detail).toMatchObject({ ackedSeq: 3, storedSeq: 3 });
    expect(detail.transitions.at(-1)).toMatchObject({ toState: 'running', reason: 'the agent started working' });
  });

  it('stores each event as sent: its seq, its time to the millisecond, its type and its payload', async () => {
    const { deps, admin } = get();
    const r = await runningRun();
    const sent: SequencedRunEvent[] = [
      { seq: 1, ts: 1_765_000_000_123, event: { type: 'message', role: 'assistant', text: 'quote " and \\ and é ✓' } },
      { seq: 2, ts: 1_765_000_000_999, event: { type: 'output', stream: 'stderr', text: 'line' } },
      { seq: 3, ts: 0, event: { type: 'output', stream: 'stdout', text: '' } },
    ];
    const { stored: count, fresh } = await storeEventBatches(deps, [{ ...r, events: sent }]);
    expect(count).toBe(3);
    const stored = await listRunEvents(deps.db, admin.orgId, { run: r.runId });
    expect(stored.map((e) => ({ seq: e.seq, ts: e.ts, event: e.event }))).toEqual(sent);
    expect(fresh.get(r.runId)).toEqual(stored); // what the bus hands a stream is what it would read back
    const types = await deps.db
      .select({ type: runEvents.type })
      .from(runEvents)
      .where(eq(runEvents.runId, r.runId))
      .orderBy(runEvents.seq);
    expect(types.map((t) => t.type)).toEqual(['message', 'output', 'output']);
  });

  it('after a gap, acks up to what was stored beyond it once the gap is filled', async () => {
    const { deps } = get();
    const r = await runningRun();
    const ack = async (events: SequencedRunEvent[]) => {
      const [result] = (await storeEventBatches(deps, [{ ...r, events }])).results;
      return result!.ok ? result!.change.ackedSeq : null;
    };
    expect(await ack([line(1), line(2), line(5), line(6)])).toBe(2);
    expect(await ack([line(3)])).toBe(3);
    const resent = await storeEventBatches(deps, [{ ...r, events: [line(4), line(5)] }]);
    expect(resent.results[0]).toMatchObject({ ok: true, change: { ackedSeq: 6 } }); // 5 and 6 were stored already
    expect(resent.fresh.has(r.runId)).toBe(false); // so not every event is new: streams read them back
    expect(await ack([line(4), line(5), line(6), line(7)])).toBe(7);
    expect(await seqs(r.runId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('counts usage and cost once when a batch is resent, flags the change as costed, and stores a NUL and a lone surrogate as U+FFFD', async () => {
    const { deps, admin } = get();
    const r = await runningRun();
    const batch: EventBatch = {
      ...r,
      events: [
        at(1, { type: 'usage', inputTokens: 100, outputTokens: 10, cachedTokens: 5 }),
        at(2, { type: 'cost', usd: 0.25, source: 'cli' }),
        line(3, 'nul:\u0000:lone:\ud800:end'),
      ],
    };
    const first = await storeEventBatches(deps, [batch]);
    expect(first.changes[0]).toMatchObject({ ackedSeq: 3, costed: true });
    expect(first.fresh.has(r.runId)).toBe(false); // mended text: streams read it back
    const again = await storeEventBatches(deps, [batch, { ...r, events: [line(4)] }]);
    expect(again.changes[0]!.costed).toBeUndefined();
    expect(again.fresh.get(r.runId)).toEqual([line(4)]);
    expect(await runDetail(deps.db, admin.orgId, r.runId)).toMatchObject({
      inputTokens: 100,
      outputTokens: 10,
      cachedTokens: 5,
      costUsd: 0.25,
      ackedSeq: 4,
    });
    const stored = await listRunEvents(deps.db, admin.orgId, { run: r.runId });
    expect((stored[2]!.event as { text: string }).text).toBe('nul:\ufffd:lone:\ufffd:end');
  });

  it('the queue writes what piles up together, keeps each session its own result, and publishes after commit', async () => {
    const { deps } = get();
    const runsUnderTest = await Promise.all([1, 2, 3, 4].map(() => runningRun()));
    const published: RunChange[] = [];
    const off = deps.bus.onRun((c) => published.push(c));
    const queue = new EventIngestQueue(deps, { lanes: 1 });
    try {
      const submitted = runsUnderTest.flatMap((r, i) =>
        [1, 2, 3].map((k) =>
          queue.submit({
            ...r,
            events: [line(k * 10 + i), line(k * 10 + i + 1)].map((e, j) => ({ ...e, seq: (k - 1) * 2 + j + 1 })),
          }),
        ),
      );
      const stale = queue.submit({ ...runsUnderTest[0]!, leaseEpoch: 9, events: [line(1)] });
      const results = await Promise.all([...submitted, stale]);
      expect(results.slice(0, -1).every((r) => r.ok)).toBe(true);
      expect(results.at(-1)).toMatchObject({ ok: false, refusal: { code: 'stale_lease' } });
      // 13 batches: the first goes alone, the rest waited and share a transaction.
      expect(queue.stats.batches).toBe(13);
      expect(queue.stats.transactions).toBeLessThan(13);
      for (const r of runsUnderTest) expect(await seqs(r.runId)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const r of runsUnderTest)
        expect(Math.max(...published.filter((c) => c.runId === r.runId).map((c) => c.ackedSeq))).toBe(6);
    } finally {
      off();
    }
  });

  it('keeps a run in one transaction at a time: its later batches wait, other runs go ahead', async () => {
    const { deps } = get();
    const [a, b] = [await runningRun(), await runningRun()];
    let writing = 0;
    let most = 0;
    const db = new Proxy(deps.db, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'transaction')
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        return async (...args: Parameters<typeof target.transaction>) => {
          most = Math.max(most, ++writing);
          return target.transaction(...args).finally(() => writing--);
        };
      },
    });
    const queue = new EventIngestQueue({ ...deps, db }, { lanes: 4, gatherMs: 0 });
    const results = await Promise.all([
      queue.submit({ ...a, events: [line(1)] }),
      queue.submit({ ...a, events: [line(2)] }),
      queue.submit({ ...b, events: [line(1)] }),
      queue.submit({ ...a, events: [line(3)] }),
    ]);
    // Each ack follows from its own batch: no later batch of a was stored before an earlier one.
    expect(results.map((r) => (r.ok ? r.change.ackedSeq : r.refusal.code))).toEqual([1, 3, 1, 3]);
    expect(most).toBe(2); // a's first transaction and b's; a's other batches waited and went together
    expect(await seqs(a.runId)).toEqual([1, 2, 3]);
  });

  it('deletes the events of deleted runs and keeps the others (a statement trigger, not a foreign key)', async () => {
    const { deps } = get();
    const [a, b, kept] = [await runningRun(), await runningRun(), await runningRun()];
    await storeEventBatches(
      deps,
      [a, b, kept].map((r) => ({ ...r, events: [line(1), line(2)] })),
    );
    await deps.db.delete(runs).where(inArray(runs.id, [a.runId, b.runId]));
    const left = await deps.db.select({ runId: runEvents.runId }).from(runEvents);
    expect(left.filter((e) => [a.runId, b.runId].includes(e.runId))).toEqual([]);
    expect(await seqs(kept.runId)).toEqual([1, 2]);
  });

  it('when a shared transaction fails, writes its batches one by one so only the bad one fails', async () => {
    const { deps } = get();
    const good = await runningRun();
    const other = await runningRun();
    const queue = new EventIngestQueue(deps, { lanes: 1 });
    // A seq beyond PostgreSQL's integer (the protocol schema refuses it; storeEventBatches is
    // handed it directly here) fails the database statement, not the fencing.
    const bad = { ...other, events: [line(2 ** 31)] };
    const results = await Promise.allSettled([
      queue.submit({ ...good, events: [line(1)] }),
      queue.submit({ ...good, events: [line(2)] }),
      queue.submit(bad),
      queue.submit({ ...good, events: [line(3)] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await seqs(good.runId)).toEqual([1, 2, 3]);
    expect(await seqs(other.runId)).toEqual([]);
  });

  /** A stream of the run over a database handle that counts the reads it starts. */
  function counted(runId: string) {
    const { deps, admin } = get();
    const reads = { n: 0 };
    const db = new Proxy(deps.db, {
      get(target, prop, receiver) {
        if (prop === 'select') reads.n++;
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const stream = streamRunEvents({ ...deps, db }, admin.orgId, { runId, afterSeq: 0 });
    const take = async (count: number) => {
      const seqs: number[] = [];
      while (seqs.length < count) seqs.push((await stream.next()).value!.seq);
      return seqs;
    };
    return { reads, take, stream };
  }

  it('yields what this replica stores from memory; another replica’s change, a gap or mended text is read back', async () => {
    const { deps } = get();
    const r = await runningRun();
    const { reads, take, stream } = counted(r.runId);
    await ingestEvents(deps, { ...r, events: [line(1), line(2)] });
    expect(await take(2)).toEqual([1, 2]);
    const afterFirstRead = reads.n;
    await ingestEvents(deps, { ...r, events: [line(3), line(4)] });
    expect(await take(2)).toEqual([3, 4]);
    expect(reads.n).toBe(afterFirstRead); // from memory
    // Stored by another replica: only the change arrives (relayed), the events come from the database.
    await storeEventBatches(deps, [{ ...r, events: [line(5), line(6)] }]);
    deps.bus.deliverRun({ runId: r.runId, ackedSeq: 6, state: 'running' });
    expect(await take(2)).toEqual([5, 6]);
    expect(reads.n).toBeGreaterThan(afterFirstRead);
    const afterRelay = reads.n;
    await ingestEvents(deps, { ...r, events: [line(8)] }); // 7 missing: a gap
    await ingestEvents(deps, { ...r, events: [line(7, 'nul:\u0000')] }); // mended: not handed over
    expect(await take(2)).toEqual([7, 8]);
    expect(reads.n).toBeGreaterThan(afterRelay);
    await stream.return(undefined);
  });

  it('yields the live tail of the run’s machine before it is stored, each event once; never from another machine, a stale lease or after the end', async () => {
    const { deps } = get();
    const r = await runningRun();
    const other = await runningRun();
    const { reads, stream } = counted(r.runId);
    const next = async () => (await stream.next()).value as SequencedRunEvent;
    await ingestEvents(deps, { ...r, events: [line(1)] });
    expect((await next()).seq).toBe(1);
    const afterFirstRead = reads.n;
    deps.bus.publishLive({ ...r, events: [line(2), line(3)] });
    expect([(await next()).seq, (await next()).seq]).toEqual([2, 3]);
    expect(await seqs(r.runId)).toEqual([1]); // not stored yet
    deps.bus.publishLive({ ...r, machineId: other.machineId, events: [line(4, 'from another machine')] });
    deps.bus.publishLive({ ...r, leaseEpoch: 2, events: [line(4, 'with another lease')] });
    deps.bus.publishLive({ ...r, events: [line(6)] }); // does not continue the stream: it comes stored
    await ingestEvents(deps, { ...r, events: [line(2), line(3), line(4), line(5), line(6)] });
    expect([await next(), await next(), await next()]).toEqual([line(4), line(5), line(6)]);
    expect(reads.n).toBe(afterFirstRead); // live events never send it to the database
    await finishRun(deps, { ...r, lastSeq: 6, exitCode: 0, signal: null });
    deps.bus.publishLive({ ...r, events: [line(7)] });
    expect((await stream.next()).done).toBe(true);
  });

  it('shows no live tail before the machine accepted the run: an offer withdrawn and made again refuses the old lease', async () => {
    const { deps, admin } = get();
    const r = await runningRun({ accepted: false });
    await offerRun(deps, r.runId, -1000); // lease epoch 1, its deadline already past
    const { reads, stream } = counted(r.runId);
    const first = stream.next();
    // Once the stream has read the run (offered) and its events (none), it listens.
    while (reads.n < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    deps.bus.publishLive({ ...r, events: [line(1, 'under the withdrawn offer'), line(2, 'under it too')] });
    await withdrawExpiredOffers(deps);
    await offerRun(deps, r.runId); // lease epoch 2
    await expect(ingestEvents(deps, { ...r, events: [line(1, 'under the withdrawn offer')] })).rejects.toThrow();
    await acceptRun(deps, { ...r, leaseEpoch: 2 });
    await ingestEvents(deps, { ...r, leaseEpoch: 2, events: [line(1), line(2), line(3)] });
    const shown = [(await first).value, (await stream.next()).value, (await stream.next()).value];
    expect(shown).toEqual(await listRunEvents(deps.db, admin.orgId, { run: r.runId }));
    expect(shown.map((e) => e!.event)).toEqual([line(1), line(2), line(3)].map((e) => e.event));
    await stream.return(undefined);
  });

  it('keeps the first copy of a seq sent twice, as the live tail showed it', async () => {
    const { deps, admin } = get();
    const r = await runningRun();
    const { stream } = counted(r.runId);
    const first = stream.next();
    const events = [line(1, 'first'), line(1, 'second')];
    deps.bus.publishLive({ ...r, events });
    await ingestEvents(deps, { ...r, events });
    expect((await first).value).toEqual(line(1, 'first'));
    expect((await listRunEvents(deps.db, admin.orgId, { run: r.runId })).map((e) => e.event)).toEqual([
      line(1, 'first').event,
    ]);
    await stream.return(undefined);
  });

  it(`sends a reader that falls more than ${MAX_HELD_EVENTS} events behind to the database: every event once, in order`, async () => {
    const { deps } = get();
    const r = await runningRun();
    const { reads, take, stream } = counted(r.runId);
    const first = stream.next();
    const total = MAX_HELD_EVENTS + 2_000; // the first 1,000 may be taken before the reader stops
    for (let from = 1; from <= total; from += 1_000)
      await ingestEvents(deps, { ...r, events: Array.from({ length: 1_000 }, (_, i) => line(from + i)) });
    const readsWhileBehind = reads.n;
    expect((await first).value!.seq).toBe(1);
    const rest = await take(total - 1);
    expect(rest).toEqual(Array.from({ length: total - 1 }, (_, i) => i + 2));
    expect(reads.n).toBeGreaterThan(readsWhileBehind); // it read the database instead of holding them all
    await stream.return(undefined);
  });
});
