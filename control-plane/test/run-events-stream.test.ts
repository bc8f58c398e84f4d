/**
 * A run's transcript as a live, resumable tRPC subscription (`runs.onEvents`, SSE): replays what
 * is stored after `lastEventId`, follows new batches as they are ingested, ends when the run ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequencedRunEvent } from '@openase/shared';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { createJoinToken, redeemJoinToken } from '../src/fleet/join.js';
import { acceptRun, finishRun, ingestEvents, offerRun } from '../src/runs/lifecycle.js';
import { startCommandRun } from '../src/runs/runs.js';
import { systemActor } from '../src/kernel/context.js';
import { organizations } from '../src/db/schema.js';

const line = (seq: number): SequencedRunEvent => ({
  seq,
  ts: seq,
  event: { type: 'output', stream: 'stdout', text: `line ${seq}` },
});

/** Reads SSE `id:` + `data:` pairs of tracked events until the stream ends. */
async function readSse(res: Response, onEvent: (id: string) => void): Promise<string[]> {
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
        onEvent(id);
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
});
