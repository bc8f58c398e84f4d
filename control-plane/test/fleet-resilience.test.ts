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
  linesRun,
  outputLines,
  runState,
  startAgent,
  startControlPlane,
  startJoinedAgent,
  tempDir,
  waitFor,
  waitMachineOnline,
  waitRun,
  type ControlPlane,
  type Proc,
  killLeftoverRuns,
} from '@openase/test-kit/fleet-harness';
import { createMigratedPostgres, postgresUrl } from '@openase/test-kit/databases';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  killLeftoverRuns();
  for (const c of cleanups.reverse()) await c();
});

async function waitSucceeded(cp: ControlPlane, runId: string, agent: Proc) {
  return waitRun(cp.api, runId, 'succeeded', () => `run ${runId} succeeded\n${agent.output.slice(-2000)}`, 120_000);
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(`control plane killed mid-run [${kind}]`, () => {
    it('stores every line exactly once, in order, and completes the run after a restart', async () => {
      buildBundles();
      let databaseUrl: string | null = null;
      if (kind === 'postgres') {
        const scratch = await createMigratedPostgres();
        databaseUrl = scratch.url;
        cleanups.push(scratch.drop);
      }
      const home = tempDir('cp-restart');
      let cp = await startControlPlane(home, { databaseUrl });
      cleanups.push(() => cp.proc.kill('SIGKILL'));
      const agent = await startJoinedAgent(cp, 'survivor', { slots: 1 });
      cleanups.push(() => agent.kill('SIGKILL'));
      await waitMachineOnline(cp.api, 'survivor', 'online');
      const lines = linesRun(tempDir('scripts'), 10_000, 5000);
      const run = await cp.api.runs.start.mutate({ machine: 'survivor', command: lines.command });
      await waitRun(cp.api, run.id, (r) => r.ackedSeq >= 5000, 'first half stored');
      await cp.proc.kill('SIGKILL');
      lines.open(1); // the second half is printed while the control plane is down
      cp = await startControlPlane(home, { databaseUrl, port: cp.port });
      const done = await waitSucceeded(cp, run.id, agent);
      expect(done.exitCode).toBe(0);
      expect(await outputLines(cp.api, run.id)).toEqual(lines.printed);
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
    const agent = await startJoinedAgent({ ...cp, url: proxy.url }, 'flaky', { slots: 1 });
    cleanups.push(() => agent.kill('SIGKILL'));
    const show = () => cp.api.machines.show.query({ name: 'flaky' });
    await waitMachineOnline(cp.api, 'flaky', 'online');
    const lines = linesRun(tempDir('scripts'), 10_000, 2000);
    const run = await cp.api.runs.start.mutate({ machine: 'flaky', command: lines.command });
    for (let k = 1; k <= 4; k++) {
      await waitRun(cp.api, run.id, (r) => r.ackedSeq >= 2000 * k, `${2000 * k} lines stored`);
      const before = (await show()).connectedAt;
      proxy.cut();
      lines.open(k); // output keeps coming while the socket is down
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
    expect(await outputLines(cp.api, run.id)).toEqual(lines.printed);
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
    await waitMachineOnline(cp.api, 'phoenix', 'online');
    // Heartbeats (every 200 ms here) carry load and free disk into the fleet view.
    const beat = await waitFor('a heartbeat', async () => {
      const m = await cp.api.machines.show.query({ name: 'phoenix' });
      return m.diskFreeBytes !== null ? m : null;
    });
    expect(beat.diskFreeBytes).toBeGreaterThan(0);
    expect(beat.load).toBeGreaterThanOrEqual(0);
    const lines = linesRun(tempDir('scripts'), 200, 100);
    const run = await cp.api.runs.start.mutate({ machine: 'phoenix', command: lines.command });
    await waitRun(
      cp.api,
      run.id,
      (r) => r.ackedSeq >= 100,
      () => `first part stored\n${agent.output.slice(-1500)}`,
    );
    await agent.kill('SIGKILL');
    const lost = await waitRun(cp.api, run.id, 'lost', () => `run lost\n${cp.proc.output.slice(-2000)}`, 20_000);
    expect(lost.stateReason).toMatch(/machine phoenix lost/);
    expect((await cp.api.machines.show.query({ name: 'phoenix' })).status).toBe('lost');
    lines.open(1); // the orphaned command finishes its output; none of it may be stored now
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
