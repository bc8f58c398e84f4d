// Scenario: abuse. `/api/health` latency while one authenticated daemon sends `frames` junk
// frames as fast as its socket takes them and a client sends `batches` tRPC batches of `calls`
// `workflows.validate` calls (docs/security.md, "Throttles"), against a plain /api/health baseline
// measured first in the same run on the same server. Also reports how the flood ended (the close
// code: 4429 = disconnected for flooding) and what the batch got (400 = refused by the cap).
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { root } from '../../lib/bootstrap.mjs';
import { now, round, sleep, startServer, summary, trpc } from '../lib.mjs';

/** Probes /api/health one request at a time until `stop()` says so; returns the latencies (ms). */
function probeHealth(url) {
  const latencies = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const t0 = now();
      const res = await fetch(`${url}/api/health`);
      await res.arrayBuffer();
      latencies.push(now() - t0);
    }
  })();
  return {
    latencies,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * The flooding daemon runs in a worker thread: its own event loop, so sending 20,000 frames does
 * not delay this thread's /api/health probe (only the server's latency is measured).
 */
const FLOODER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const ws = new WebSocket(workerData.url.replace(/^http/, 'ws') + '/agent/ws', {
  headers: { authorization: 'Bearer ' + workerData.credential },
});
ws.on('error', () => {});
ws.once('close', (code) => parentPort.postMessage({ type: 'closed', code }));
ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, version: 'bench', hostname: 'flooder',
  os: 'linux', arch: 'x64', labels: [], slots: 1, clis: [], running: [] })));
ws.on('message', (data) => {
  if (JSON.parse(String(data)).type === 'welcome') parentPort.postMessage({ type: 'welcome' });
});
parentPort.on('message', () => {
  let sent = 0;
  for (; sent < workerData.frames && ws.readyState === WebSocket.OPEN; sent++)
    ws.send(sent % 2 ? 'not json' : JSON.stringify({ type: 'junk', n: sent, pad: 'x'.repeat(64) }));
  parentPort.postMessage({ type: 'sent', sent });
});
`;

async function floodingDaemon(server, frames) {
  const { token } = await trpc(server.url, server.token, 'machines.createJoinToken', {});
  const res = await fetch(`${server.url}/agent/join`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'flooder', slots: 1 }),
  });
  const { credential } = await res.json();
  const wsPath = createRequire(path.join(root, 'control-plane', 'package.json')).resolve('ws');
  const worker = new Worker(FLOODER, { eval: true, workerData: { url: server.url, credential, frames, wsPath } });
  const next = (type) => new Promise((resolve) => worker.on('message', (m) => m.type === type && resolve(m)));
  const closed = next('closed');
  await next('welcome');
  return {
    flood: async () => {
      const sent = next('sent');
      worker.postMessage('go');
      return (await sent).sent;
    },
    closed,
    stop: () => worker.terminate(),
  };
}

export async function floodHealth({
  databaseUrl = null,
  frames = 20_000,
  calls = 450,
  batches = 1,
  baselineMs = 3000,
}) {
  const server = await startServer({ databaseUrl });
  try {
    // Baseline: the same probe with nothing else going on.
    const base = probeHealth(server.url);
    await sleep(baselineMs);
    await base.stop();

    const daemon = await floodingDaemon(server, frames);
    const probe = probeHealth(server.url);
    await sleep(200);
    const floodStarted = now();
    const flooding = daemon.flood();
    const body = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [i, { source: '---\nname: x\npickup: [Todo]\n---\nWork.\n' }]),
    );
    const batchStatuses = await Promise.all(
      Array.from({ length: batches }, async () => {
        const res = await fetch(
          `${server.url}/trpc/${Array.from({ length: calls }, () => 'workflows.validate').join(',')}?batch=1`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          },
        );
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const sent = await flooding;
    const closeCode = (await Promise.race([daemon.closed, sleep(10_000).then(() => null)]))?.code ?? null;
    const closedAfterMs = round(now() - floodStarted, 0);
    await sleep(1000); // the tail: whatever the flood left queued
    await probe.stop();
    await daemon.stop();
    const baseline = summary(base.latencies);
    const flood = summary(probe.latencies);
    return {
      frames,
      framesSent: sent,
      calls,
      batches,
      closeCode,
      closedAfterMs,
      batchStatuses,
      baselineMs: baseline,
      floodMs: flood,
      p99Ratio: baseline.p99 ? round(flood.p99 / baseline.p99, 1) : null,
    };
  } finally {
    await server.stop();
  }
}
