/**
 * Machine `local`: `openase serve` registers this host and runs its daemon as a supervised child
 * over stdio. Killing the daemon brings it back, and runs still work (and a run that was going
 * when it died completes with every line).
 */
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import {
  linesRun,
  outputLines,
  tempDir,
  useControlPlane,
  waitFor,
  waitMachineOnline,
  waitRun,
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
  const cp = useControlPlane(tempDir('cp-local'), { localMachine: true });

  const local = () => cp.api.machines.show.query({ name: 'local' });

  it('registers this host as `local`, runs commands on it, and restarts its daemon when it dies', async () => {
    await waitMachineOnline(cp.api, 'local', () => `local online\n${cp.proc.output}`);
    expect(await local()).toMatchObject({ kind: 'local', labels: ['local'] });
    const scripts = tempDir('scripts');
    const first = await cp.api.runs.start.mutate({
      machine: 'local',
      command: ['sh', '-c', 'echo hello from $(hostname)'],
    });
    await waitRun(cp.api, first.id, 'succeeded', 'first run succeeded');
    expect((await outputLines(cp.api, first.id))[0]).toMatch(/^hello from /);

    const lines = linesRun(scripts, 3000, 1000);
    const run = await cp.api.runs.start.mutate({ machine: 'local', command: lines.command });
    await waitRun(cp.api, run.id, (r) => r.ackedSeq >= 1000, 'first part stored');
    const before = (await local()).connectedAt;
    const pid = localDaemonPid(cp.proc.child.pid!);
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    lines.open(1);
    lines.open(2);
    await waitFor(
      () => `local daemon restarted\n${cp.proc.output.slice(-1500)}`,
      async () => {
        const m = await local();
        return m.status === 'online' && String(m.connectedAt) !== String(before);
      },
    );
    expect(cp.proc.output).toMatch(/local machine: its daemon exited \(SIGKILL\); restarting/);
    await waitRun(cp.api, run.id, 'succeeded', 'interrupted run succeeded');
    expect(await outputLines(cp.api, run.id)).toEqual(lines.printed);
    const after = await cp.api.runs.start.mutate({ machine: 'local', command: ['true'] });
    await waitRun(cp.api, after.id, 'succeeded', 'run after restart succeeded');
  });
});
