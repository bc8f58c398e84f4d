/**
 * Agent runs on the real daemon (setup in agent-run-fixtures.ts): malformed or misdirected frames,
 * heartbeats, and runs when the daemon is stopped or restarted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemon } from '@openase/test-kit/daemon-process';
import { waitFor } from '@openase/test-kit/wait';
import { runProcessAlive } from '../../test-support/processes.js';
import { bundle, cleanups, useAgentRunFixtures } from './agent-run-fixtures.js';

const { daemon, finished, hook, job, next, offer, ofType, remote, turnFrame } = useAgentRunFixtures();

describe('agent runs on the daemon', () => {
  it('malformed or misdirected frames get a clear error and the run carries on; its workspace is not removed while it runs', async () => {
    const d = await daemon();
    const r = remote();
    const runId = await offer(d, job(r, { turns: [{ steps: [{ text: 'ok' }] }] }));
    await turnFrame(d, runId, 1);
    d.child.stdin!.write(`${JSON.stringify({ type: 'run.next', runId, leaseEpoch: 1, turn: 1, action: 'explode' })}\n`);
    d.child.stdin!.write('{"type":"run.next", not json\n');
    next(d, 'run-nobody', 1, 'stop');
    d.send({ type: 'run.next', runId, leaseEpoch: 5, turn: 1, action: 'stop', outcome: 'failed' });
    d.send({ type: 'run.interrupt', runId: 'run-nobody', leaseEpoch: 1 });
    d.send({ type: 'run.interrupt', runId, leaseEpoch: 5 });
    await waitFor('six error frames', () => d.framesOf('error').length === 6);
    expect(d.framesOf('error').map((e) => e.code)).toEqual([
      'malformed_frame',
      'malformed_frame',
      'unknown_run',
      'stale_lease',
      'unknown_run',
      'stale_lease',
    ]);
    expect(d.framesOf('error')[0]!.message).toContain('action');
    // The workspace of a ticket whose run is still going is not removed.
    const identifier = runId.replace(/^run-/, '');
    d.send({ type: 'workspace.remove', ticket: { identifier }, repos: [{ name: 'app', url: r.url }] });
    expect(await d.waitFrame('workspace.removed')).toEqual({
      type: 'workspace.removed',
      ticket: { identifier },
      ok: false,
      message: `run ${runId} is still working in the workspace of ${identifier}; not removed`,
    });
    expect(fs.existsSync(path.join(d.home, 'workspaces', 'tickets', identifier, 'app', 'README.md'))).toBe(true);
    next(d, runId, 1, 'stop', { outcome: 'succeeded' });
    expect(await finished(d, runId)).toMatchObject({ exitCode: 0 });
  });

  it('reports load and free disk in a heartbeat as soon as it is welcomed', async () => {
    const d = await daemon();
    // The pretend control plane asks for a heartbeat every 60 s: the first one must not wait for that.
    const beat = await d.waitFrame('heartbeat');
    expect(beat.load).toEqual(expect.any(Number));
    expect(beat.diskFreeBytes).toEqual(expect.any(Number));
  });

  it('SIGTERM to the daemon stops its agents (no orphan), runs on_cancel hooks and reports the runs before it exits', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'working' }, { hang: true }] }],
      hooks: { on_cancel: [hook('touch "$OPENASE_WORKSPACE/.openase/stopped"')] },
    });
    const runId = await offer(d, spec);
    await waitFor('the agent to be working', () => ofType(d, runId, 'message').some((m) => m.text === 'working'));
    const exited = new Promise<number | null>((resolve) => d.child.once('exit', (code) => resolve(code)));
    d.child.kill('SIGTERM');
    expect(await finished(d, runId)).toMatchObject({
      exitCode: null,
      reason: 'the daemon on this machine was stopped; the agent was stopped with it',
    });
    expect(await exited).toBe(0);
    expect(runProcessAlive(runId)).toBe(false);
    const ws = path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier);
    expect(fs.existsSync(path.join(ws, '.openase', 'stopped'))).toBe(true);
  });

  it('a daemon restart mid-run ends the run with a clear reason (the CLI cannot be re-attached)', async () => {
    const first = await startDaemon({ bundle, closeRuns: false });
    const r = remote();
    const pidfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-pid-')), 'agent.pid');
    const spec = job(r, { turns: [{ steps: [{ pidfile }, { text: 'working' }, { hang: true }] }] });
    const runId = await offer(first, spec);
    await waitFor('the agent to be working', () => ofType(first, runId, 'message').some((m) => m.text === 'working'));
    await first.stop();
    // The exiting daemon stopped the agent CLI: nobody could talk to it any more.
    expect(fs.existsSync(pidfile)).toBe(true);
    await waitFor('the agent process to be gone', () => !runProcessAlive(runId));
    const second = await startDaemon({ bundle, home: first.home });
    cleanups.push(async () => {
      await second.stop();
      fs.rmSync(second.home, { recursive: true, force: true });
    });
    expect(second.framesOf('hello')[0]!.running).toEqual([expect.objectContaining({ runId, finished: true })]);
    const end = await finished(second, runId);
    expect(end).toMatchObject({ exitCode: null, reason: 'daemon_restarted' });
    const error = ofType(second, runId, 'error').at(-1)!;
    expect(error).toMatchObject({ code: 'daemon_restarted', fatal: true });
    expect(error.message).toContain('cannot be re-attached');
  });
});
