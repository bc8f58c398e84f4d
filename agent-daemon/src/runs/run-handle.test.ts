/** The run supervisor with real processes: the built daemon bundle acts as the exec wrapper. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '@openase/shared/events/run-events';
// @ts-expect-error plain ESM helper without types
import { agentBundlePath, ensureAgentBuilt } from '../../../scripts/lib/bootstrap.mjs';
import { RunHandle } from './run-handle.js';
import { processAlive } from '../../test-support/processes.js';
import { waitFor } from '@openase/test-kit/wait';

const limits = { maxEvents: 1000, maxBytes: 1 << 24 };
const self = () => [agentBundlePath as string];
let runsDir: string;

function finish(handle: RunHandle) {
  return waitFor('the run to end', () => {
    handle.poll();
    return handle.state.end;
  });
}

const events = (h: RunHandle): RunEvent[] => RunHandle.reopen(h.dir, limits)!.spool.unacked.map((e) => e.event);
const alive = processAlive;

describe('run supervisor', () => {
  beforeAll(() => {
    (ensureAgentBuilt as () => void)();
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runs-'));
  });

  it('runs a command detached, spools stdout and stderr lines, records the exit code', async () => {
    const h = RunHandle.start(
      runsDir,
      'r1',
      1,
      { kind: 'command', command: ['sh', '-c', 'echo out; echo err >&2; printf partial; exit 5'] },
      limits,
      self(),
    );
    expect(await finish(h)).toMatchObject({ exitCode: 5, signal: null, lastSeq: 3 });
    expect(events(h)).toEqual(
      expect.arrayContaining([
        { type: 'output', stream: 'stdout', text: 'out' },
        { type: 'output', stream: 'stderr', text: 'err' },
        { type: 'output', stream: 'stdout', text: 'partial' },
      ]),
    );
  });

  it('ends past the event cap with an explicit truncation event', async () => {
    const h = RunHandle.start(
      runsDir,
      'r2',
      1,
      { kind: 'command', command: ['sh', '-c', 'seq 1 100'] },
      { maxEvents: 20, maxBytes: 1 << 20 },
      self(),
    );
    const end = await finish(h);
    const all = events(h);
    expect(end.lastSeq).toBe(20);
    expect(all.slice(0, 19).map((e) => (e as { text: string }).text)).toEqual(
      Array.from({ length: 19 }, (_, i) => String(i + 1)),
    );
    expect(all[19]).toMatchObject({ type: 'truncation', droppedEvents: 81 });
  });

  it('cancels the whole process group: SIGTERM reaches grandchildren', async () => {
    const pidFile = path.join(runsDir, 'grandchild.pid');
    const h = RunHandle.start(
      runsDir,
      'r3',
      1,
      { kind: 'command', command: ['sh', '-c', `sleep 1000 & echo $! > ${pidFile}; wait`] },
      limits,
      self(),
    );
    const grandchild = await waitFor(
      'grandchild pid',
      () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8')),
    );
    h.stop('canceled', 10_000);
    const end = await finish(h);
    expect(end).toMatchObject({ reason: 'canceled', signal: 'SIGTERM' });
    await waitFor('grandchild gone', () => !alive(grandchild));
  });

  it('passes on a stop that comes while the exec wrapper is still starting: SIGTERM, once (20 runs)', async () => {
    // The command counts the SIGTERMs it gets once its trap is in place, and waits a little for a second one.
    const script = `n=0; trap 'n=$((n+1)); echo got-term' TERM; while [ $n -eq 0 ]; do sleep 0.02; done; sleep 0.3; exit 143`;
    for (let i = 0; i < 20; i++) {
      const h = RunHandle.start(
        runsDir,
        `race${i}`,
        1,
        { kind: 'command', command: ['sh', '-c', script] },
        limits,
        self(),
      );
      // Even runs stop at once (the wrapper's Node is still loading); odd ones just as the wrapper announces the
      // command (stop-handshake.ts), while it may still be looking for a stop itself.
      const announced = path.join(h.dir, 'child.pid');
      const deadline = Date.now() + 5000;
      while (i % 2 && !fs.existsSync(announced) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      h.stop('canceled', 3000);
      const end = await finish(h);
      const all = events(h);
      const terms = all.filter((e) => e.type === 'output' && e.text === 'got-term').length;
      expect(all.filter((e) => e.type === 'error')).toEqual([]);
      expect(end.reason).toBe('canceled');
      expect(fs.readFileSync(path.join(h.dir, 'term-sent'), 'utf8')).toMatch(/^(daemon|wrapper)$/);
      if (end.signal === 'SIGTERM')
        expect(terms).toBe(0); // killed before its trap was in place
      else expect([end.exitCode, end.signal, terms]).toEqual([143, null, 1]); // the trap got exactly one SIGTERM
    }
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const ready = path.join(runsDir, 'ready');
    const h = RunHandle.start(
      runsDir,
      'r4',
      1,
      { kind: 'command', command: ['sh', '-c', `trap '' TERM; touch ${ready}; while :; do sleep 0.05; done`] },
      limits,
      self(),
    );
    await waitFor('trap installed', () => fs.existsSync(ready));
    h.stop('canceled', 300);
    expect(await finish(h)).toMatchObject({ reason: 'canceled', signal: 'SIGKILL', exitCode: null });
  });

  it('re-opens a run folder and continues where the spool ends', async () => {
    const gate = path.join(runsDir, 'gate5');
    const h = RunHandle.start(
      runsDir,
      'r5',
      1,
      { kind: 'command', command: ['sh', '-c', `seq 1 50; while [ ! -e ${gate} ]; do sleep 0.02; done; seq 51 100`] },
      limits,
      self(),
    );
    await waitFor('first half', () => {
      h.poll();
      return h.spool.lastSeq >= 50;
    });
    fs.writeFileSync(gate, '');
    const reopened = RunHandle.reopen(h.dir, limits)!; // as a restarted daemon would
    await finish(reopened);
    expect(events(reopened).map((e) => (e as { text: string }).text)).toEqual(
      Array.from({ length: 100 }, (_, i) => String(i + 1)),
    );
  });

  it('keeps the timeout across a daemon restart: the deadline is computed from the run folder', async () => {
    const h = RunHandle.start(
      runsDir,
      'r6',
      1,
      { kind: 'command', command: ['sleep', '600'], timeoutMs: 300 },
      limits,
      self(),
    );
    const reopened = RunHandle.reopen(h.dir, limits)!; // a new daemon that never saw the offer
    reopened.armTimeout();
    expect(await finish(reopened)).toMatchObject({ reason: 'timeout', signal: 'SIGTERM' });
  });

  it('adopts a wrapper its daemon started but was killed before recording: the run ends as its command did', async () => {
    const gate = path.join(runsDir, 'gate7');
    const h = RunHandle.start(
      runsDir,
      'r7',
      1,
      { kind: 'command', command: ['sh', '-c', `echo one; while [ ! -e ${gate} ]; do sleep 0.02; done; echo two`] },
      limits,
      self(),
    );
    // state.json as the daemon last saved it before it was killed: the wrapper spawned, its pid not yet recorded.
    const file = path.join(h.dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ ...h.state, wrapperPid: null }));
    const reopened = RunHandle.reopen(h.dir, limits)!;
    fs.writeFileSync(gate, '');
    expect(await finish(reopened)).toMatchObject({ exitCode: 0, signal: null });
    expect(events(reopened)).toEqual([
      { type: 'output', stream: 'stdout', text: 'one' },
      { type: 'output', stream: 'stdout', text: 'two' },
    ]);
  });

  it('stops a run whose wrapper had not announced itself when a new daemon took it over', async () => {
    const h = RunHandle.start(runsDir, 'r9', 1, { kind: 'command', command: ['sleep', '30'] }, limits, self());
    // As the daemon that spawned the wrapper last saved it (killed before recording the pid); the wrapper's Node is
    // still loading, so it has not written wrapper.pid either. It finds the stop once it has started the command.
    fs.writeFileSync(path.join(h.dir, 'state.json'), JSON.stringify({ ...h.state, wrapperPid: null }));
    const reopened = RunHandle.reopen(h.dir, limits)!;
    expect(fs.existsSync(path.join(h.dir, 'wrapper.pid'))).toBe(false);
    reopened.stop('canceled', 3000);
    expect(await finish(reopened)).toMatchObject({ reason: 'canceled', signal: 'SIGTERM' });
    expect(Date.now() - h.state.createdAt).toBeLessThan(15_000);
  });

  it("escalates to SIGKILL once an unannounced wrapper's pid is known, not before", async () => {
    const ready = path.join(runsDir, 'ready10');
    const script = `trap "" TERM; touch ${ready}; sleep 30`;
    const h = RunHandle.start(runsDir, 'r10', 1, { kind: 'command', command: ['sh', '-c', script] }, limits, self());
    await waitFor('the command to ignore SIGTERM', () => fs.existsSync(ready));
    // The pid known to neither file when the new daemon stops the run (the wrapper has long looked for a stop, so
    // only the escalation can end it); it turns up a little later.
    const announced = path.join(h.dir, 'wrapper.pid');
    const pid = fs.readFileSync(announced, 'utf8');
    fs.rmSync(announced);
    fs.writeFileSync(path.join(h.dir, 'state.json'), JSON.stringify({ ...h.state, wrapperPid: null }));
    const reopened = RunHandle.reopen(h.dir, limits)!;
    reopened.stop('canceled', 20);
    await new Promise((r) => setTimeout(r, 300));
    expect(reopened.state.killedWith).toBe('SIGTERM'); // no SIGKILL on record while it could not be sent
    fs.writeFileSync(announced, pid);
    expect(await finish(reopened)).toMatchObject({ reason: 'canceled', signal: 'SIGKILL' });
  });

  it('fails a run whose env never reached its wrapper (its daemon killed in between), without running the command', async () => {
    const marker = path.join(runsDir, 'ran11');
    const spec = { kind: 'command' as const, command: ['sh', '-c', `echo "$TOKEN" > ${marker}`], env: { TOKEN: 'x' } };
    // The run folder as the daemon made it; the spawn is a no-op, as if the daemon died right after it.
    const h = RunHandle.start(runsDir, 'r11', 1, spec, limits, ['-e', '']);
    fs.writeFileSync(path.join(h.dir, 'state.json'), JSON.stringify({ ...h.state, wrapperPid: null }));
    // The wrapper that was spawned, with nothing piped to it.
    spawn(process.execPath, [agentBundlePath as string, 'exec-wrapper', h.dir], {
      detached: true,
      stdio: 'ignore',
    }).unref();
    const reopened = RunHandle.reopen(h.dir, limits)!;
    expect(await finish(reopened)).toMatchObject({ exitCode: null, signal: null });
    expect(events(reopened)).toEqual([
      {
        type: 'error',
        message: "the run's environment never reached it (TOKEN missing): its daemon stopped while starting it",
        fatal: true,
      },
    ]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('fails a run whose wrapper did not start in time, and that wrapper starting later runs nothing', async () => {
    const marker = path.join(runsDir, 'ran12');
    const spec = { kind: 'command' as const, command: ['sh', '-c', `touch ${marker}`] };
    // The run folder as the daemon made it, long ago; its wrapper's spawn is a no-op here and is started below, late.
    const h = RunHandle.start(runsDir, 'r12', 1, spec, limits, ['-e', '']);
    const createdAt = Date.now() - 60_000;
    fs.writeFileSync(path.join(h.dir, 'state.json'), JSON.stringify({ ...h.state, createdAt, wrapperPid: null }));
    const reopened = RunHandle.reopen(h.dir, limits)!;
    expect(await finish(reopened)).toMatchObject({ exitCode: null, signal: null });
    expect(events(reopened)).toEqual([
      { type: 'error', message: 'the daemon stopped before the run started', fatal: true },
    ]);
    const late = spawn(process.execPath, [agentBundlePath as string, 'exec-wrapper', h.dir], { stdio: 'ignore' });
    expect(await new Promise((r) => late.once('exit', r))).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('ends a run whose process cannot be started at all, and the daemon stays up', async () => {
    const node = process.execPath;
    process.execPath = '/nonexistent/node'; // as after an upgrade removed the Node the daemon was started with
    let h: RunHandle;
    try {
      h = RunHandle.start(runsDir, 'r13', 1, { kind: 'command', command: ['true'] }, limits, self());
    } finally {
      process.execPath = node;
    }
    expect(await finish(h)).toMatchObject({ exitCode: null, signal: null });
    expect(events(h)).toEqual([
      { type: 'error', message: "cannot start the run's process: spawn /nonexistent/node ENOENT", fatal: true },
    ]);
  });

  it('still fails a run whose wrapper never started, once it had time to', async () => {
    const dir = path.join(runsDir, 'never');
    fs.mkdirSync(dir);
    const createdAt = Date.now() - 60_000;
    fs.writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({ runId: 'r8', leaseEpoch: 1, createdAt, wrapperPid: null }),
    );
    const reopened = RunHandle.reopen(dir, limits)!;
    expect(await finish(reopened)).toMatchObject({ exitCode: null, signal: null });
    expect(events(reopened)).toEqual([
      { type: 'error', message: 'the daemon stopped before the run started', fatal: true },
    ]);
  });
});
