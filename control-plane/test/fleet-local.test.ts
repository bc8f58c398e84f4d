/**
 * Machine `local`: `openase serve` registers this host and runs its daemon as a supervised child
 * over stdio. Killing the daemon brings it back, and runs still work (and a run that was going
 * when it died completes with every line).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import {
  buildBundles,
  linesScript,
  numbered,
  openGate,
  outputLines,
  runState,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
  killLeftoverRuns,
} from '@openase/test-kit/fleet-harness';

/** The pid of the control plane's daemon child (`openase-agent.cjs stdio`). */
function localDaemonPid(cpPid: number): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== cpPid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('stdio')) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return null;
}

describe.skipIf(process.platform !== 'linux')('the local machine', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    buildBundles();
    cp = await startControlPlane(tempDir('cp-local'), { localMachine: true });
  });
  afterAll(async () => {
    killLeftoverRuns();
    await cp?.proc.kill();
  });

  const local = () => cp.api.machines.show.query({ name: 'local' });

  it('registers this host as `local`, runs commands on it, and restarts its daemon when it dies', async () => {
    await waitFor(
      () => `local online\n${cp.proc.output}`,
      async () => (await local()).status === 'online',
    );
    expect(await local()).toMatchObject({ kind: 'local', labels: ['local'] });
    const scripts = tempDir('scripts');
    const first = await cp.api.runs.start.mutate({
      machine: 'local',
      command: ['sh', '-c', 'echo hello from $(hostname)'],
    });
    await waitFor('first run succeeded', async () => (await runState(cp.api, first.id)).state === 'succeeded');
    expect((await outputLines(cp.api, first.id))[0]).toMatch(/^hello from /);

    const gate = path.join(scripts, 'gate');
    const run = await cp.api.runs.start.mutate({
      machine: 'local',
      command: [process.execPath, linesScript(scripts), '3000', '1000', gate],
    });
    await waitFor('first part stored', async () => (await runState(cp.api, run.id)).ackedSeq >= 1000);
    const before = (await local()).connectedAt;
    const pid = localDaemonPid(cp.proc.child.pid!);
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    openGate(gate, 1);
    openGate(gate, 2);
    await waitFor(
      () => `local daemon restarted\n${cp.proc.output.slice(-1500)}`,
      async () => {
        const m = await local();
        return m.status === 'online' && String(m.connectedAt) !== String(before);
      },
    );
    expect(cp.proc.output).toMatch(/local machine: its daemon exited \(SIGKILL\); restarting/);
    await waitFor('interrupted run succeeded', async () => (await runState(cp.api, run.id)).state === 'succeeded');
    expect(await outputLines(cp.api, run.id)).toEqual(numbered(3000));
    const after = await cp.api.runs.start.mutate({ machine: 'local', command: ['true'] });
    await waitFor('run after restart succeeded', async () => (await runState(cp.api, after.id)).state === 'succeeded');
  });
});
