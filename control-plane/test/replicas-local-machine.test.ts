/**
 * Two control planes of one PostgreSQL database, both started as `openase serve` (machine `local` on by default),
 * as docs/operations.md's nginx setup had them: the second one's daemon answered as machine `local` too, its hello
 * listed no runs, and the run the first one's daemon was running ended as "the daemon reconnected without this
 * run". Found by following the doc as an operator. Now the second replica leaves `local` to the first and says why.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { postgresUrl, createMigratedPostgres } from '@openase/test-kit/databases';
import {
  buildBundles,
  killLeftoverRuns,
  startControlPlane,
  tempDir,
  waitFor,
  waitMachineOnline,
  waitRun,
  type ControlPlane,
} from '@openase/test-kit/fleet-harness';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

describe.skipIf(!postgresUrl || process.platform !== 'linux')('machine `local` with several replicas', () => {
  const started: ControlPlane[] = [];
  let drop: (() => Promise<void>) | null = null;
  afterAll(async () => {
    killLeftoverRuns();
    for (const cp of started) await cp.proc.kill();
    await drop?.();
  });

  it('is served by the first replica only; a second one starting does not end its runs', async () => {
    buildBundles();
    const scratch = await createMigratedPostgres();
    drop = scratch.drop;
    const first = await startControlPlane(tempDir('replica-local-a'), { databaseUrl: scratch.url, localMachine: true });
    started.push(first);
    await waitMachineOnline(first.api, 'local', () => `local online\n${first.proc.output}`);
    const run = await first.api.runs.start.mutate({
      machine: 'local',
      command: ['sh', '-c', 'echo started; sleep 6; echo finished'],
    });
    await waitRun(first.api, run.id, 'running', 'the run to start');

    const second = await startControlPlane(tempDir('replica-local-b'), {
      databaseUrl: scratch.url,
      localMachine: true,
    });
    started.push(second);
    await waitFor(
      () => `the second replica to decide about machine local\n${second.proc.output}`,
      () => /local machine: /.test(second.proc.output),
    );
    // The harm first: without the fix the second daemon's hello ended this run as lost on the machine.
    const ended = await waitRun(first.api, run.id, (r) => r.state !== 'running', 'the run to end');
    expect(ended.state, JSON.stringify(ended)).toBe('succeeded');
    // JSON log lines: the quotes around local are escaped.
    expect(second.proc.output).toMatch(/already serves machine \W+local\W+ and two daemons .*--no-local-machine/);
    expect(second.proc.output).not.toMatch(/this host serves runs as machine/);
  });
});
