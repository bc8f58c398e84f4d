/**
 * No lost events across a control plane killed with SIGKILL and restarted (PGlite data dir and
 * PostgreSQL), and across a TCP proxy that cuts the daemon's socket several times mid-run.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import {
  buildBundles,
  joinMachine,
  linesScript,
  numbered,
  openGate,
  outputLines,
  runState,
  startAgent,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
  type Proc,
  killLeftoverRuns,
} from '@openase/test-kit/fleet-harness';
import { createScratchPostgres, postgresUrl } from '@openase/test-kit/databases';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  killLeftoverRuns();
  for (const c of cleanups.reverse()) await c();
});

async function waitSucceeded(cp: ControlPlane, runId: string, agent: Proc) {
  return waitFor(
    () => `run ${runId} succeeded\n${agent.output.slice(-2000)}`,
    async () => {
      const r = await runState(cp.api, runId);
      return r.state === 'succeeded' ? r : null;
    },
    120_000,
  );
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(`control plane killed mid-run [${kind}]`, () => {
    it('stores every line exactly once, in order, and completes the run after a restart', async () => {
      buildBundles();
      let databaseUrl: string | null = null;
      if (kind === 'postgres') {
        const scratch = await createScratchPostgres(postgresUrl!);
        databaseUrl = scratch.url;
        cleanups.push(scratch.drop);
      }
      const home = tempDir('cp-restart');
      let cp = await startControlPlane(home, { databaseUrl });
      cleanups.push(() => cp.proc.kill('SIGKILL'));
      const agentHome = await joinMachine(cp, 'survivor', { slots: 1 });
      const agent = startAgent(agentHome);
      cleanups.push(() => agent.kill('SIGKILL'));
      await waitFor('online', async () => (await cp.api.machines.show.query({ name: 'survivor' })).status === 'online');
      const scripts = tempDir('scripts');
      const gate = path.join(scripts, 'gate');
      const run = await cp.api.runs.start.mutate({
        machine: 'survivor',
        command: [process.execPath, linesScript(scripts), '10000', '5000', gate],
      });
      await waitFor('first half stored', async () => (await runState(cp.api, run.id)).ackedSeq >= 5000);
      await cp.proc.kill('SIGKILL');
      openGate(gate, 1); // the second half is printed while the control plane is down
      cp = await startControlPlane(home, { databaseUrl, port: cp.port });
      const done = await waitSucceeded(cp, run.id, agent);
      expect(done.exitCode).toBe(0);
      expect(await outputLines(cp.api, run.id)).toEqual(numbered(10_000));
      expect(agent.alive).toBe(true);
    });
  });
}

/** A TCP proxy whose open connections can be cut at will. */
async function cuttingProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('a socket cut several times mid-run', () => {
  it('resends from the last ack after every reconnect: every line once, in order', async () => {
    buildBundles();
    const cp = await startControlPlane(tempDir('cp-proxy'));
    cleanups.push(() => cp.proc.kill());
    const proxy = await cuttingProxy(cp.port);
    cleanups.push(proxy.close);
    const agentHome = await joinMachine({ ...cp, url: proxy.url }, 'flaky', { slots: 1 });
    const agent = startAgent(agentHome);
    cleanups.push(() => agent.kill('SIGKILL'));
    const show = () => cp.api.machines.show.query({ name: 'flaky' });
    await waitFor('online', async () => (await show()).status === 'online');
    const scripts = tempDir('scripts');
    const gate = path.join(scripts, 'gate');
    const run = await cp.api.runs.start.mutate({
      machine: 'flaky',
      command: [process.execPath, linesScript(scripts), '10000', '2000', gate],
    });
    for (let k = 1; k <= 4; k++) {
      await waitFor(`${2000 * k} lines stored`, async () => (await runState(cp.api, run.id)).ackedSeq >= 2000 * k);
      const before = (await show()).connectedAt;
      proxy.cut();
      openGate(gate, k); // output keeps coming while the socket is down
      await waitFor(
        () => `reconnected after cut ${k}\n${agent.output.slice(-1000)}`,
        async () => {
          const m = await show();
          return m.status === 'online' && String(m.connectedAt) !== String(before);
        },
      );
    }
    const done = await waitSucceeded(cp, run.id, agent);
    expect(done.exitCode).toBe(0);
    expect(await outputLines(cp.api, run.id)).toEqual(numbered(10_000));
    expect(agent.output.match(/reconnecting in/g)!.length).toBeGreaterThanOrEqual(4);
  });
});

describe('a daemon that comes back after its machine was declared lost', () => {
  it('is told to kill the run; it cannot report progress or completion for it', async () => {
    buildBundles();
    const cp = await startControlPlane(tempDir('cp-lost'), {
      env: { OPENASE_HEARTBEAT_MS: '200', OPENASE_DISCONNECT_AFTER_MS: '600', OPENASE_LOST_AFTER_MS: '1500' },
    });
    cleanups.push(() => cp.proc.kill());
    const agentHome = await joinMachine(cp, 'phoenix', { slots: 1 });
    let agent = startAgent(agentHome);
    cleanups.push(() => agent.kill('SIGKILL'));
    await waitFor('online', async () => (await cp.api.machines.show.query({ name: 'phoenix' })).status === 'online');
    // Heartbeats (every 200 ms here) carry load and free disk into the fleet view.
    const beat = await waitFor('a heartbeat', async () => {
      const m = await cp.api.machines.show.query({ name: 'phoenix' });
      return m.diskFreeBytes !== null ? m : null;
    });
    expect(beat.diskFreeBytes).toBeGreaterThan(0);
    expect(beat.load).toBeGreaterThanOrEqual(0);
    const scripts = tempDir('scripts');
    const gate = path.join(scripts, 'gate');
    const run = await cp.api.runs.start.mutate({
      machine: 'phoenix',
      command: [process.execPath, linesScript(scripts), '200', '100', gate],
    });
    await waitFor(
      () => `first part stored\n${agent.output.slice(-1500)}`,
      async () => (await runState(cp.api, run.id)).ackedSeq >= 100,
    );
    await agent.kill('SIGKILL');
    const lost = await waitFor(
      () => `run lost\n${cp.proc.output.slice(-2000)}`,
      async () => {
        const r = await runState(cp.api, run.id);
        return r.state === 'lost' ? r : null;
      },
      20_000,
    );
    expect(lost.stateReason).toMatch(/machine phoenix lost/);
    expect((await cp.api.machines.show.query({ name: 'phoenix' })).status).toBe('lost');
    openGate(gate, 1); // the orphaned command finishes its output; none of it may be stored now
    agent = startAgent(agentHome);
    await waitFor(
      () => `run discarded\n${agent.output}`,
      () => /no longer assigns it here; stopping and discarding it/.test(agent.output),
    );
    await waitFor('run folder removed', () => !fs.existsSync(path.join(agentHome, 'runs', run.id)));
    const after = await runState(cp.api, run.id);
    expect(after).toMatchObject({ state: 'lost', ackedSeq: lost.ackedSeq });
    expect((await cp.api.machines.show.query({ name: 'phoenix' })).status).toBe('online');
  });
});
