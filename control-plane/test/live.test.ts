/**
 * The browser's one live stream (`live.changes`) over a real server socket: SSE framing, resume
 * after a dropped connection (by the `lastEventId` input the tRPC client sends and by the
 * `Last-Event-ID` header a plain EventSource sends), and no listener left behind on the server
 * when a client vanishes (honojs/middleware#717: streams that end or leak make clients reconnect
 * in a loop; a reconnect must then resume without loss).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { postgresUrl } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** A minimal SSE reader over fetch: `next()` resolves with the next data message. */
async function openSse(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const wake: { waiter: (() => void) | null } = { waiter: null };
  let buffer = '';
  let ended = false;
  const pump = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const message: SseMessage = { data: '' };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') message.id = value;
            else if (field === 'event') message.event = value;
            else if (field === 'data') message.data += value;
          }
          messages.push(message);
          wake.waiter?.();
        }
      }
    } catch {
      /* aborted */
    } finally {
      ended = true;
      wake.waiter?.();
    }
  })();
  let read = 0;
  return {
    res,
    /** The next message carrying data (pings and the connected notice are skipped). */
    async next(
      deadlineMs = 10_000,
    ): Promise<SseMessage & { json: { kind: string; resumed?: boolean; change?: { summary: string } } }> {
      const until = Date.now() + deadlineMs;
      for (;;) {
        while (read < messages.length) {
          const m = messages[read++]!;
          if (m.event === 'ping' || m.event === 'connected' || !m.data) continue;
          const json = JSON.parse(m.data);
          // A new project installs the built-in skills, each with an activity entry: not what these tests are about.
          if (/built-in skill/.test(json.change?.summary ?? '')) continue;
          return { ...m, json };
        }
        if (ended) throw new Error('stream ended');
        if (Date.now() > until) throw new Error('no message before the deadline');
        await new Promise<void>((resolve) => {
          wake.waiter = resolve;
          setTimeout(resolve, 200);
        });
        wake.waiter = null;
      }
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(`live.changes over HTTP [${kind}]`, () => {
    let server: RunningServer;
    let token: string;
    let stop: (() => Promise<void>) | undefined;
    let listeners = 0;

    beforeAll(async () => {
      ({ server, token, stop } = await startTestServer('openase-live-', { postgres: kind === 'postgres' }));
      // Count live bus listeners, to see that a vanished client leaves none behind.
      const bus = server.deps.bus;
      const subscribe = bus.onActivity.bind(bus);
      bus.onActivity = (listener) => {
        listeners++;
        const off = subscribe(listener);
        return () => {
          listeners--;
          off();
        };
      };
    });
    afterAll(async () => {
      await stop?.();
    });

    const auth = () => ({ authorization: `Bearer ${token}` });
    const mutate = async (procedure: string, input: unknown) => {
      const res = await fetch(`${server.url}/trpc/${procedure}`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    };
    const liveUrl = (input: unknown = {}) =>
      `${server.url}/trpc/live.changes?input=${encodeURIComponent(JSON.stringify(input))}`;

    it('refuses an unauthenticated subscriber', async () => {
      const res = await fetch(liveUrl(), { headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    });

    it('streams changes, and a dropped connection resumes without loss or duplicates', async () => {
      const before = listeners;
      const first = await openSse(liveUrl(), auth());
      expect(first.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(first.res.headers.get('content-encoding')).toBeNull();
      expect((await first.next()).json).toEqual({ kind: 'ready', resumed: false });
      await mutate('projects.create', { name: 'Live', ticketPrefix: 'LV' });
      await mutate('tickets.create', { project: 'live', title: 'one' });
      expect((await first.next()).json.change?.summary).toMatch(/created project Live/);
      const seen = await first.next();
      expect(seen.json.change?.summary).toBe('created LV-1 "one" in Backlog');
      expect(seen.id).toMatch(/^v1~/);

      // The client vanishes without a goodbye; the server must let go of its listener.
      await first.close();
      await waitFor('the server to drop the listener of the closed stream', () => listeners === before);

      await mutate('tickets.move', { ticket: 'LV-1', status: 'Todo' });
      await mutate('tickets.create', { project: 'live', title: 'two' });
      await mutate('comments.add', { ticket: 'LV-2', body: 'while away' });

      // As the tRPC client reconnects: lastEventId in the input.
      const viaInput = await openSse(liveUrl({ lastEventId: seen.id }), auth());
      const replay = [await viaInput.next(), await viaInput.next(), await viaInput.next(), await viaInput.next()].map(
        (m) => m.json.change?.summary ?? m.json.kind,
      );
      expect(replay).toEqual([
        'ready',
        'moved LV-1 from Backlog to Todo',
        'created LV-2 "two" in Backlog',
        'commented on LV-2',
      ]);
      await viaInput.close();

      // As a plain EventSource reconnects: the Last-Event-ID header.
      const viaHeader = await openSse(liveUrl(), { ...auth(), 'last-event-id': seen.id! });
      const ready = await viaHeader.next();
      expect(ready.json).toEqual({ kind: 'ready', resumed: true });
      expect((await viaHeader.next()).json.change?.summary).toBe('moved LV-1 from Backlog to Todo');
      await viaHeader.close();
      await waitFor('every listener to be released', () => listeners === before);
    });

    it('answers a garbled position with a fresh start the client can reload from', async () => {
      const stream = await openSse(liveUrl({ lastEventId: 'v1~garbage~\u00ff' }), auth());
      expect((await stream.next()).json).toEqual({ kind: 'ready', resumed: false });
      await stream.close();
    });
  });
}
