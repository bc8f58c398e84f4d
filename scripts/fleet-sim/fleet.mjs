// Fleet simulator: N simulated daemons in one process, speaking the real daemon protocol
// (docs/protocol.md) over real WebSockets to a real control plane: join tokens → machine
// credentials (POST /agent/join) → GET /agent/ws → hello/welcome, heartbeats, run offers answered
// with run.accept + run.started, and a stand-in agent that emits normalized events at a given
// rate. Agent runs answer the turn handshake (run.turn / run.next / run.gate,
// shared/src/protocol/agent-run.ts): after its last turn the stand-in asks to finish by moving its
// ticket to the finish status with the run's own token, as a real agent's `openase` wrapper does,
// so the ticket completes and is not picked up again.
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from '../lib/bootstrap.mjs';

const WebSocket = createRequire(path.join(root, 'control-plane', 'package.json'))('ws');

/** A tRPC call over plain HTTP (the API has no transformer). */
export async function trpc(url, token, procedure, input, kind = 'mutation') {
  const failed = (err) =>
    new Error(`${procedure}: ${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`);
  // A kept-alive connection the server closed as the request went out (ECONNRESET): try once more.
  const res = await call().catch((err) => {
    if (err.cause?.code !== 'ECONNRESET' && err.cause?.code !== 'UND_ERR_SOCKET') throw failed(err);
    return call().catch((again) => {
      throw failed(again);
    });
  });
  async function call() {
    return kind === 'query'
      ? await fetch(`${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      : await fetch(`${url}/trpc/${procedure}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
  }
  const text = await res.text();
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) throw new Error(`${procedure}: HTTP ${res.status} ${(body.error?.message ?? text).slice(0, 300)}`);
  return body.result?.data;
}

/**
 * Options (all optional but url/token):
 *   machines, slots, prefix (machine names), clis (CLI inventory reported in hello),
 *   eventsPerSecond (per run), eventsPerTurn, turns, batchMs (how often events are flushed),
 *   textBytes (size of each message event), finishStatus (where the agent moves its ticket),
 *   hold (runs never end by themselves: release with fleet.releaseAll()), emitting (false: runs
 *   start silent until `fleet.emitting = true`), connectConcurrency,
 *   log(line).
 * Hooks: onOffer(run), onStarted(run), onFinished(run) — `run` = { runId, machine, identifier,
 *   offeredAt, startedAt, firstEventAt, finishedAt, acked, emitted }.
 */
export class Fleet {
  constructor(opts) {
    this.opts = {
      machines: 10,
      slots: 1,
      prefix: 'sim',
      clis: ['bench-agent'],
      eventsPerSecond: 20,
      eventsPerTurn: 5,
      turns: 1,
      batchMs: 50,
      textBytes: 120,
      finishStatus: 'In Review',
      hold: false,
      connectConcurrency: 25,
      labels: [],
      log: () => {},
      ...opts,
    };
    this.daemons = [];
    /** False: runs start but emit nothing until `emitting` is set (to start many runs before the load). */
    this.emitting = opts.emitting ?? true;
    this.stats = {
      offers: 0,
      rejected: 0,
      started: 0,
      finished: 0,
      eventsSent: 0,
      eventsAcked: 0,
      heartbeats: 0,
      errors: [],
      duplicateOffers: 0,
    };
  }

  /** Joins every machine (one join token per ≤1000) and connects them; resolves once all got a welcome. */
  async start() {
    const { url, token, machines } = this.opts;
    const credentials = [];
    for (let i = 0; i < machines; i += 1000) {
      const uses = Math.min(1000, machines - i);
      const { token: joinToken } = await trpc(url, token, 'machines.createJoinToken', {
        uses,
        labels: this.opts.labels,
      });
      await pool(uses, this.opts.connectConcurrency, async (j) => {
        const name = `${this.opts.prefix}-${String(i + j + 1).padStart(4, '0')}`;
        const res = await fetch(`${url}/agent/join`, {
          method: 'POST',
          headers: { authorization: `Bearer ${joinToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, slots: this.opts.slots, labels: this.opts.labels }),
        });
        const body = await res.json();
        if (!res.ok) throw new Error(`join ${name}: ${JSON.stringify(body)}`);
        credentials[i + j] = { name, credential: body.credential, machineId: body.machineId };
      });
    }
    this.daemons = credentials.map((c) => new SimDaemon(this, c));
    await pool(this.daemons.length, this.opts.connectConcurrency, (k) => this.daemons[k].connect());
    this.opts.log(`[fleet-sim] ${this.daemons.length} daemon(s) connected to ${url}`);
    return this;
  }

  get activeRuns() {
    let n = 0;
    for (const d of this.daemons) n += d.held.size;
    return n;
  }

  /** Ends every held run (hold mode): each finishes its current turn and asks to finish. */
  releaseAll() {
    this.opts.hold = false;
    for (const d of this.daemons) for (const r of d.held.values()) r.release?.();
  }

  async stop() {
    for (const d of this.daemons) d.close();
  }
}

class SimDaemon {
  constructor(fleet, cred) {
    this.fleet = fleet;
    this.cred = cred;
    this.held = new Map();
    this.closed = false;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.fleet.opts.url.replace(/^http/, 'ws')}/agent/ws`, {
        headers: { authorization: `Bearer ${this.cred.credential}` },
      });
      this.ws = ws;
      ws.on('open', () =>
        this.send({
          type: 'hello',
          protocol: 1,
          version: 'fleet-sim',
          hostname: this.cred.name,
          os: 'linux',
          arch: 'x64',
          labels: this.fleet.opts.labels,
          slots: this.fleet.opts.slots,
          clis: this.fleet.opts.clis.map((name) => ({ name, version: '1.0.0', path: `/usr/bin/${name}` })),
          running: [],
        }),
      );
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === 'welcome') {
          this.heartbeat = setInterval(() => this.beat(), frame.heartbeatMs);
          this.heartbeat.unref();
          resolve();
        } else this.onFrame(frame);
      });
      ws.on('error', (err) => reject(err));
      ws.on('close', (code, reason) => {
        clearInterval(this.heartbeat);
        if (!this.closed) this.fleet.stats.errors.push(`${this.cred.name}: socket closed ${code} ${reason}`);
        reject(new Error(`closed ${code}`));
      });
    });
  }

  send(frame) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  beat() {
    this.fleet.stats.heartbeats++;
    this.send({
      type: 'heartbeat',
      slotsUsed: this.held.size,
      load: 0.1,
      runs: [...this.held.values()].map((r) => ({ runId: r.runId, leaseEpoch: r.leaseEpoch })),
    });
  }

  close() {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const r of this.held.values()) clearTimeout(r.timer);
    this.ws?.close();
  }

  onFrame(frame) {
    const run = frame.runId ? this.held.get(frame.runId) : undefined;
    switch (frame.type) {
      case 'run.offer':
        return this.offer(frame);
      case 'run.ack':
        if (!run) return;
        if (frame.ackedSeq > run.acked) {
          this.fleet.stats.eventsAcked += frame.ackedSeq - run.acked;
          run.acked = frame.ackedSeq;
        }
        if (frame.closed) this.done(run);
        else run.onAck?.();
        return;
      case 'run.next':
        if (run) this.next(run, frame);
        return;
      case 'run.cancel':
        if (run) this.finish(run, 1, 'SIGTERM');
        return;
      case 'error':
        this.fleet.stats.errors.push(`${this.cred.name}: ${frame.code}: ${frame.message}`);
        return;
    }
  }

  offer(frame) {
    const stats = this.fleet.stats;
    stats.offers++;
    const existing = this.held.get(frame.runId);
    if (existing) {
      // A re-offer of a run we execute: adopt it with the new epoch (docs/protocol.md).
      stats.duplicateOffers++;
      existing.leaseEpoch = frame.leaseEpoch;
      this.send({ type: 'run.accept', runId: frame.runId, leaseEpoch: frame.leaseEpoch });
      return;
    }
    if (this.held.size >= this.fleet.opts.slots) {
      stats.rejected++;
      this.send({ type: 'run.reject', runId: frame.runId, leaseEpoch: frame.leaseEpoch, reason: 'no free slot' });
      return;
    }
    const spec = frame.spec;
    const run = {
      runId: frame.runId,
      leaseEpoch: frame.leaseEpoch,
      machine: this.cred.name,
      kind: spec.kind,
      identifier: spec.ticket?.identifier ?? null,
      platform: spec.platform ?? null,
      offeredAt: performance.timeOrigin + performance.now(),
      startedAt: 0,
      firstEventAt: 0,
      finishedAt: 0,
      seq: 0,
      acked: 0,
      emitted: 0,
      turn: 0,
    };
    this.held.set(run.runId, run);
    this.fleet.opts.onOffer?.(run);
    this.send({ type: 'run.accept', runId: run.runId, leaseEpoch: run.leaseEpoch });
    this.send({ type: 'run.started', runId: run.runId, leaseEpoch: run.leaseEpoch, pid: process.pid });
    run.startedAt = performance.timeOrigin + performance.now();
    stats.started++;
    this.fleet.opts.onStarted?.(run);
    this.turn(run);
  }

  /** One turn of the stand-in agent: `eventsPerTurn` message events at `eventsPerSecond`, flushed every `batchMs`. */
  turn(run) {
    const o = this.fleet.opts;
    run.turn++;
    let left = o.eventsPerTurn;
    let buffered = [];
    let due = 0;
    let last = Date.now();
    const text = 'x'.repeat(o.textBytes);
    const tick = () => {
      if (this.closed || !this.held.has(run.runId)) return;
      if (!this.fleet.emitting) {
        last = Date.now();
        run.timer = setTimeout(tick, o.batchMs);
        return;
      }
      const now = Date.now();
      due += ((now - last) / 1000) * o.eventsPerSecond;
      last = now;
      const n = o.hold && run.turn >= o.turns ? Math.floor(due) : Math.min(left, Math.floor(due));
      due -= n;
      for (let i = 0; i < n; i++)
        buffered.push({ seq: ++run.seq, ts: now, event: { type: 'message', role: 'assistant', text } });
      if (!(o.hold && run.turn >= o.turns)) left -= n;
      if (buffered.length) {
        if (!run.firstEventAt) run.firstEventAt = performance.timeOrigin + performance.now();
        this.send({ type: 'run.events', runId: run.runId, leaseEpoch: run.leaseEpoch, events: buffered });
        run.emitted += buffered.length;
        this.fleet.stats.eventsSent += buffered.length;
        buffered = [];
      }
      if (left > 0 || (o.hold && run.turn >= o.turns)) run.timer = setTimeout(tick, o.batchMs);
      else void this.endTurn(run);
    };
    run.release = () => {
      if (run.turn >= o.turns && !run.ending) {
        clearTimeout(run.timer);
        run.ending = true;
        void this.endTurn(run);
      }
    };
    run.timer = setTimeout(tick, Math.min(o.batchMs, 1000 / Math.max(o.eventsPerSecond, 1)));
  }

  async endTurn(run) {
    if (run.kind !== 'agent') return this.finish(run, 0, null);
    if (run.turn >= this.fleet.opts.turns && run.platform && run.identifier) {
      try {
        // The agent asks to finish: a move to a finish status with its run token is a finish request.
        await trpc(run.platform.url, run.platform.token, 'tickets.move', {
          ticket: run.identifier,
          status: this.fleet.opts.finishStatus,
        });
      } catch (err) {
        this.fleet.stats.errors.push(`${run.identifier}: finish request: ${err.message}`);
      }
    }
    this.send({
      type: 'run.turn',
      runId: run.runId,
      leaseEpoch: run.leaseEpoch,
      turn: run.turn,
      ok: true,
      lastSeq: run.seq,
    });
  }

  next(run, frame) {
    if (frame.action === 'continue') return this.turn(run);
    if (frame.action === 'finish')
      return this.send({
        type: 'run.gate',
        runId: run.runId,
        leaseEpoch: run.leaseEpoch,
        turn: frame.turn,
        passed: true,
        output: '',
      });
    return this.finish(run, frame.outcome === 'succeeded' ? 0 : 1, null);
  }

  /** run.finished goes out once every event is acked (the control plane refuses it otherwise). */
  finish(run, exitCode, signal) {
    clearTimeout(run.timer);
    const send = () =>
      this.send({
        type: 'run.finished',
        runId: run.runId,
        leaseEpoch: run.leaseEpoch,
        lastSeq: run.seq,
        exitCode,
        signal,
      });
    if (run.acked >= run.seq) send();
    else
      run.onAck = () => {
        if (run.acked >= run.seq) {
          run.onAck = null;
          send();
        }
      };
  }

  done(run) {
    if (!this.held.delete(run.runId)) return;
    run.finishedAt = performance.timeOrigin + performance.now();
    this.fleet.stats.finished++;
    this.fleet.opts.onFinished?.(run);
  }
}

/** Runs `count` async tasks with at most `concurrency` at once. */
export async function pool(count, concurrency, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(workers);
}
