/**
 * A dropped connection in the middle of the turn handshake (the reverse WebSocket reconnects;
 * the daemon process lives on): the pending `run.turn` and `run.gate` are sent again once the new
 * connection is welcomed, and the answers finish the run. The daemon runs in this process with the
 * test as its transport; the agent is the stand-in program, git is real.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName } from '@openase/shared/domain/naming';
import { type ControlFrame, type DaemonFrame } from '@openase/shared/protocol/messages';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestRemote } from '@openase/test-kit/git-remote';
import { waitFor } from '@openase/test-kit/wait';
import { Daemon } from '../daemon.js';
import { standInAgent } from '@openase/test-kit/stand-in';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-reconnect-'));
const remote = createTestRemote();
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  remote.cleanup();
});

function connection() {
  const frames: DaemonFrame[] = [];
  return { frames, conn: { send: (f: DaemonFrame) => frames.push(f) } };
}

describe('agent run handshake across a reconnect', () => {
  it('resends the pending run.turn and run.gate after the new connection is welcomed', async () => {
    const daemon = new Daemon({
      home,
      slots: 1,
      labels: [],
      self: ['/nonexistent/openase-agent.cjs'],
      log: () => {},
      pollMs: 20,
    });
    await daemon.start();
    const receive = (frame: ControlFrame) => daemon.receive(JSON.stringify(frame));
    const welcome = (ackedSeq = 0): ControlFrame => ({
      type: 'welcome',
      sessionId: 's',
      machineId: 'm',
      heartbeatMs: 60_000,
      protocol: { min: 1, max: 1 },
      reconcile: ackedSeq ? [{ runId: 'r1', action: 'continue', ackedSeq }] : [],
    });
    const script = path.join(home, 'script.json');
    fs.writeFileSync(script, JSON.stringify({ turns: [{ steps: [{ write: { path: 'a.txt', content: 'a\n' } }] }] }));

    const first = connection();
    daemon.attach(first.conn);
    receive(welcome());
    receive({
      type: 'run.offer',
      runId: 'r1',
      leaseEpoch: 1,
      spec: {
        kind: 'agent',
        ticket: { id: 't1', identifier: 'DEMO-1', title: 'Reconnect', branch: ticketBranchName('DEMO-1', 'Reconnect') },
        project: { slug: 'demo' },
        repos: [{ name: 'app', url: remote.url, defaultBranch: 'main' }],
        attempt: 1,
        maxAttempts: 1,
        agent: standInAgent(script, { prompt: 'go', maxTurns: 5, env: {} }),
        hooks: { before_finish: [{ run: 'true', timeout: 10, policy: 'block' }] },
        paths: {},
        platform: { url: 'http://127.0.0.1:9', token: 'oar_x' },
      },
    });
    await waitFor('run.turn on the first connection', () => first.frames.some((f) => f.type === 'run.turn'));
    daemon.detach();

    const second = connection();
    daemon.attach(second.conn);
    expect(second.frames.map((f) => f.type)).toEqual(['hello']);
    receive(welcome(1));
    expect(second.frames.filter((f) => f.type === 'run.turn')).toEqual([
      first.frames.find((f) => f.type === 'run.turn'),
    ]);
    receive({ type: 'run.next', runId: 'r1', leaseEpoch: 1, turn: 1, action: 'finish' });
    await waitFor('run.gate', () => second.frames.some((f) => f.type === 'run.gate'));
    daemon.detach();

    const third = connection();
    daemon.attach(third.conn);
    receive(welcome(1));
    expect(third.frames.filter((f) => f.type === 'run.gate')).toEqual([
      expect.objectContaining({ turn: 1, passed: true }),
    ]);
    // An answer to the wrong turn, or for another run, changes nothing.
    receive({ type: 'run.next', runId: 'r1', leaseEpoch: 1, turn: 7, action: 'stop', outcome: 'failed' });
    receive({ type: 'run.next', runId: 'r1', leaseEpoch: 2, turn: 1, action: 'stop', outcome: 'failed' });
    expect(third.frames.at(-1)).toMatchObject({ type: 'error', code: 'stale_lease' });
    receive({ type: 'run.next', runId: 'r1', leaseEpoch: 1, turn: 1, action: 'stop', outcome: 'succeeded' });
    await waitFor('run.finished', () => {
      const events = third.frames
        .filter((f) => f.type === 'run.events')
        .flatMap((f) => (f.type === 'run.events' ? f.events : []));
      const last = events.at(-1)?.seq ?? 0;
      if (last) receive({ type: 'run.ack', runId: 'r1', ackedSeq: last });
      return third.frames.some((f) => f.type === 'run.finished');
    });
    expect(third.frames.find((f) => f.type === 'run.finished')).toMatchObject({ exitCode: 0 });
    expect(remote.files(ticketBranchName('DEMO-1', 'Reconnect'))).toContain('a.txt');
    daemon.stop();
  });
});
