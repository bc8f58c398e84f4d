import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, startCliProcess } from './cli-process.js';
import { processAlive } from '../../../test-support/processes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cli-process-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const alive = processAlive;

/** A `/bin/sh -c script` started as the CLI, in the test folder, with no stdin. */
const shellAsCli = (
  script: string,
  options: Pick<Parameters<typeof startCliProcess>[0], 'env' | 'onEvent' | 'onStdoutLine'>,
) => startCliProcess({ command: '/bin/sh', args: ['-c', script], cwd: dir, stdin: 'ignore', ...options });

describe('startCliProcess', () => {
  it('stops the whole process group: shells the CLI started die with it', async () => {
    const lines: string[] = [];
    const proc = shellAsCli('sleep 1000 & echo $!; wait', {
      env: { PATH: process.env.PATH ?? '' },
      onEvent: () => undefined,
      onStdoutLine: (line) => lines.push(line),
    });
    const deadline = Date.now() + 10_000;
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const grandchild = Number(lines[0]);
    expect(alive(grandchild)).toBe(true);
    const exit = await proc.stop();
    expect(exit.signal).toBe('SIGTERM');
    while (alive(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(alive(grandchild)).toBe(false);
  });

  it('reports stderr as output events and keeps its tail for error messages', async () => {
    const events: RunEvent[] = [];
    const proc = shellAsCli('echo out; echo err1 >&2; echo err2 >&2; exit 3', {
      env: {},
      onEvent: (e) => events.push(e),
      onStdoutLine: () => undefined,
    });
    expect(await proc.exited).toEqual({ code: 3, signal: null });
    expect(events).toEqual([
      { type: 'output', stream: 'stderr', text: 'err1' },
      { type: 'output', stream: 'stderr', text: 'err2' },
    ]);
    expect(proc.stderrTail()).toBe('err1\nerr2');
  });

  it('builds a private environment: daemon secrets stay out, HOME and TMPDIR are per run', async () => {
    process.env.OPENASE_TEST_DAEMON_SECRET = 'leak';
    try {
      const env = await cliEnv(dir, { API_KEY: 'k' }, { CLAUDE_CONFIG_DIR: '/x', UNSET: undefined });
      expect(env.OPENASE_TEST_DAEMON_SECRET).toBeUndefined();
      expect(env).toMatchObject({
        HOME: path.join(dir, 'home'),
        TMPDIR: path.join(dir, 'tmp'),
        API_KEY: 'k',
        CLAUDE_CONFIG_DIR: '/x',
      });
      expect('UNSET' in env).toBe(false);
      expect((await stat(path.join(dir, 'home'))).isDirectory()).toBe(true);
    } finally {
      delete process.env.OPENASE_TEST_DAEMON_SECRET;
    }
  });
});
