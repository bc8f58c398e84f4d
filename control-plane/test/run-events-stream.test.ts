/**
 * A run's transcript as a live, resumable tRPC subscription (`runs.onEvents`, SSE): replays what
 * is stored after `lastEventId`, follows new batches as they are ingested, ends when the run ends;
 * shows the run's machine's events as they arrive, before they are stored (the live tail), and
 * never another machine's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequencedRunEvent } from '@openase/shared';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { createJoinToken, redeemJoinToken } from '../src/fleet/join.js';
import { acceptRun, finishRun, ingestEvents, offerRun } from '../src/runs/lifecycle.js';
import { listRunEvents, runDetail, startCommandRun } from '../src/runs/runs.js';
import { fakeDaemon, helloFrame } from './fake-daemon.js';
import { systemActor } from '../src/kernel/context.js';
import { organizations } from '../src/db/schema.js';
import { waitFor } from '@openase/test-kit/wait';

const line = (seq: number): SequencedRunEvent => ({
  seq,
  ts: seq,
  event: { type: 'output', stream: 'stdout', text: `line ${seq}` },
});

/** Reads SSE `id:` + `data:` pairs of tracked events until the stream ends; returns their ids. */
async function readSse(res: Response, onEvent: (id: string, data: string) => void): Promise<string[]> {
  const ids: string[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return ids;
    buffer += new TextDecoder().decode(value);
    let cut;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const id = /^id: ?(.*)$/m.exec(block)?.[1];
      if (id) {
        ids.push(id);
        onEvent(id, /^data: ?(.*)$/m.exec(block)?.[1] ?? '');
      }
      if (/^event: ?return$/m.test(block)) return ids;
    }
  }
}

describe('runs.onEvents subscription', () => {
  let server: RunningServer;
  let token: string;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ server, token, stop } = await startTestServer('openase-sse-'));
  });
  afterAll(async () => {
    await stop?.();
  });

  it('resumes after lastEventId, follows new events in order, and ends with the run', async () => {
    const deps = server.deps;
    const [org] = await deps.db.select().from(organizations);
    const admin = systemActor(org!.id, 'test');
    const join = await createJoinToken(deps, admin, {});
    const { machine } = await redeemJoinToken(deps, join.token, { name: 'sse-box' });
    const run = await startCommandRun(deps, admin, { machine: 'sse-box', command: ['x'] });
    await offerRun(deps, run.id);
    const f = { machineId: machine.id, runId: run.id, leaseEpoch: 1 };
    await acceptRun(deps, f);
    await ingestEvents(deps, { ...f, events: [1, 2, 3].map(line) });

    const input = encodeURIComponent(JSON.stringify({ run: run.id, lastEventId: '2' }));
    const res = await fetch(`${server.url}/trpc/runs.onEvents?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    let fed = false;
    const ids = await readSse(res, (id) => {
      if (id === '3' && !fed) {
        fed = true;
        void (async () => {
          await ingestEvents(deps, { ...f, events: [4, 5].map(line) });
          await ingestEvents(deps, { ...f, events: [6].map(line) });
          await finishRun(deps, { ...f, lastSeq: 6, exitCode: 0, signal: null });
        })();
      }
    });
    expect(ids).toEqual(['3', '4', '5', '6']);
  });

  it("shows the run's machine's events before they are stored, never another machine's, and mended text only stored", async () => {
    const deps = server.deps;
    const hub = server.fleet.hub;
    const [org] = await deps.db.select().from(organizations);
    const admin = systemActor(org!.id, 'test');
    const joined = async (name: string) => {
      const { machine } = await redeemJoinToken(deps, (await createJoinToken(deps, admin, {})).token, { name });
      const daemon = fakeDaemon(hub, machine);
      daemon.conn.receive(helloFrame());
      await waitFor('the welcome frame', () => daemon.frames.some((f) => f.type === 'welcome'));
      return daemon;
    };
    const box = await joined('live-box');
    const other = await joined('live-other');
    const run = await startCommandRun(deps, admin, { machine: 'live-box', command: ['x'] });
    const offer = await waitFor(
      'the offer',
      () => box.frames.find((f) => f.type === 'run.offer') as { leaseEpoch: number } | undefined,
    );
    const f = { runId: run.id, leaseEpoch: offer.leaseEpoch };
    box.send({ type: 'run.accept', ...f });
    await waitFor(
      'the run to be preparing',
      async () => (await runDetail(deps.db, admin.orgId, run.id)).state === 'preparing',
    );
    const events = (from: number, texts: string[]) =>
      texts.map((text, i) => ({ seq: from + i, ts: Date.now(), event: { type: 'output', stream: 'stdout', text } }));
    const input = encodeURIComponent(JSON.stringify({ run: run.id }));
    const res = await fetch(`${server.url}/trpc/runs.onEvents?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const seen: string[] = [];
    const reading = readSse(res, (_id, data) =>
      seen.push((JSON.parse(data) as { event: { text: string } }).event.text),
    );
    box.send({ type: 'run.events', ...f, events: events(1, ['stored first']) });
    await waitFor('the first event seen', () => seen.length === 1); // the stream has read the run: it knows its machine
    // Every store is held until released: what the viewer sees meanwhile can only be the live tail.
    const submit = hub.ingest.submit.bind(hub.ingest);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    hub.ingest.submit = async (batch) => (await held, submit(batch));
    box.send({ type: 'run.events', ...f, events: events(2, ['two', 'three']) });
    other.send({ type: 'run.events', ...f, events: events(4, ['forged by another machine']) });
    box.send({ type: 'run.events', ...f, events: events(4, ['nul \u0000 mended']) });
    await waitFor('three events seen', () => seen.length >= 3);
    expect((await listRunEvents(deps.db, admin.orgId, { run: run.id })).map((e) => e.seq)).toEqual([1]);
    release();
    await waitFor('the ack of seq 4', async () => (await runDetail(deps.db, admin.orgId, run.id)).ackedSeq === 4);
    box.send({ type: 'run.finished', ...f, lastSeq: 4, exitCode: 0, signal: null });
    expect(await reading).toEqual(['1', '2', '3', '4']);
    expect(seen).toEqual(['stored first', 'two', 'three', 'nul \ufffd mended']);
    expect(other.frames.find((fr) => fr.type === 'error')).toMatchObject({ code: 'unknown_run' });
    hub.ingest.submit = submit;
  });
});
