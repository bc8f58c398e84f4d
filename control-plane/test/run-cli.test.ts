/**
 * Commands run by hand on machine `local` through the real CLI against a real server process: start, follow
 * (exiting with the run's outcome), events as NDJSON, show, the run list in words, cancel; a listing cut short by
 * its reader ends quietly.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bundle as bundlePath } from '@openase/test-kit/server-process';
import { useCliServer } from './cli-server.js';

const instance = useCliServer('run', 'Runs');
const cli = (args: string[]) => instance.server.cli(args);

describe('openase run against a running server', () => {
  it('runs a command on machine local by hand: start, follow events, show, list, cancel', async () => {
    for (let i = 0; ; i++) {
      const local = cli(['machine', 'show', 'local', '--json']);
      if (local.code === 0 && JSON.parse(local.out).status === 'online') break;
      if (i > 600) throw new Error(`machine local never came online: ${local.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = cli([
      'run',
      'start',
      '--machine',
      'local',
      '--json',
      '--',
      'sh',
      '-c',
      'echo one; echo two >&2; exit 4',
    ]);
    expect(started.code, started.err).toBe(0);
    const run = JSON.parse(started.out);
    const follow = cli(['run', 'events', run.id, '--follow']);
    // Following exits with the run's outcome (docs/machines.md): here the command's own code.
    expect(follow.code, follow.err).toBe(4);
    expect(follow.out.split('\n').filter(Boolean).sort()).toEqual(['one', 'two']);
    expect(follow.err).toMatch(/run failed: exit code 4/);
    const shown = JSON.parse(cli(['run', 'show', run.id, '--json']).out);
    expect(shown).toMatchObject({ state: 'failed', exitCode: 4, machineName: 'local' });
    // In words, a few lines: not the whole spec on one line (an agent run's carries its skills' files).
    expect(cli(['run', 'show', run.id]).out).toMatch(/^command: +sh -c /m);
    const events = cli(['run', 'events', run.id, '--json'])
      .out.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    // A table in words: short id, no ticket, kind, state and how it ended, machine, start, duration (no cost).
    const listed = cli(['run', 'list']).out.split('\n');
    expect(listed[0]).toMatch(/^RUN +TICKET +KIND +STATE +MACHINE +STARTED \(UTC\) +DURATION +COST$/);
    expect(listed).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${run.id.slice(0, 8)} +command +failed \\(exit 4\\) +local +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +\\d+s$`,
        ),
      ),
    );
    expect(JSON.parse(cli(['run', 'list', '--json']).out).items).toContainEqual(
      expect.objectContaining({
        id: run.id,
        ticketIdentifier: null,
        spec: expect.objectContaining({ kind: 'command' }),
      }),
    );
    expect(cli(['run', 'events', '--help']).out).toMatch(/one JSON object per line \(NDJSON\)/);
    expect(cli(['run', 'cancel', run.id]).err).toMatch(/already ended \(failed\)/);
    const usage = cli(['run', 'start', '--machine', 'local']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/give the command after `--`/);
    const human = cli(['machine', 'list']);
    expect(human.out).toMatch(/local\s+local\s+online\s+0\/\d/);
    for (const args of [
      ['run', '--help'],
      ['run', 'start', '--help'],
      ['run', 'events', '--help'],
      ['machine', 'show', '--help'],
    ])
      expect(cli(args).out).toMatch(/Usage: openase/);
  });

  it("run start --follow exits with the run's outcome; a listing cut short by its reader ends quietly", async () => {
    // A listing cut short by its reader (`| head -1`) ends quietly.
    const head = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${bundlePath}" run start --machine local --follow -- seq 1 100000 | head -1`],
      {
        env: {
          ...process.env,
          OPENASE_HOME: instance.server.home,
          OPENASE_URL: '',
          OPENASE_TOKEN: '',
          OPENASE_PROJECT: '',
        },
        encoding: 'utf8',
      },
    );
    expect(head.stdout).toBe('1\n');
    expect(head.stderr).toMatch(/^run \S+ queued on local\n$/);
    const ok = cli(['run', 'start', '--machine', 'local', '--follow', '--', 'true']);
    expect(ok.code, ok.err).toBe(0);
    const missing = cli(['run', 'start', '--machine', 'local', '--follow', '--', '/nonexistent/openase-missing']);
    // A program that cannot start: its run failed, and the exit code is the one the run recorded.
    const missingRun = /run (\S+) queued/.exec(missing.err)![1]!;
    const recorded = JSON.parse(cli(['run', 'show', missingRun, '--json']).out);
    expect(recorded.state).toBe('failed');
    expect(missing.code, missing.err).toBe(recorded.exitCode);
    expect(missing.code).not.toBe(0);
    const slow = cli(['run', 'start', '--machine', 'local', '--timeout', '1s', '--follow', '--', 'sleep', '30']);
    expect(slow.code, slow.err).toBe(124);
  });
});
