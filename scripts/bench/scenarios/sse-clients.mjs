// Browser-style SSE subscriptions to `runs.onEvents` (the stream the run page opens), in a worker thread of their
// own: in the bench's main thread they shared an event loop with the simulated daemons, so at tens of thousands of
// events a second a received message waited behind the emitters' work and the figure counted the bench's own load.
// Each message's latency is its receive time minus the event's `ts` (set by the emitter when it sends the batch).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Starts the clients; `reset()` forgets the latencies so far, `take()` returns them (ms). */
export function startSseClients({ url, token, runIds }) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { url, token, runIds } });
  let asked = 0;
  const waiting = new Map();
  worker.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  worker.on('error', (err) => process.stderr.write(`[bench] sse clients: ${err.message}\n`));
  const ask = (type) =>
    new Promise((resolve) => {
      const id = ++asked;
      waiting.set(id, resolve);
      worker.postMessage({ id, type });
    });
  return {
    reset: () => ask('reset'),
    take: async () => (await ask('take')).latencies,
    stop: () => worker.terminate(),
  };
}

if (!isMainThread && workerData?.runIds) {
  const latencies = [];
  for (const runId of workerData.runIds) void follow(workerData, runId, latencies);
  parentPort.on('message', (m) => {
    if (m.type === 'reset') latencies.length = 0;
    parentPort.postMessage({ id: m.id, latencies: m.type === 'take' ? [...latencies] : [] });
  });
}

async function follow({ url, token }, runId, latencies) {
  try {
    const res = await fetch(`${url}/trpc/runs.onEvents?input=${encodeURIComponent(JSON.stringify({ run: runId }))}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      const received = Date.now();
      buffer += decoder.decode(chunk, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = message.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const value = JSON.parse(data.slice(6));
        if (typeof value?.ts === 'number' && value.event) latencies.push(received - value.ts);
      }
    }
  } catch (err) {
    process.stderr.write(`[bench] sse ${runId}: ${err.message}\n`);
  }
}
