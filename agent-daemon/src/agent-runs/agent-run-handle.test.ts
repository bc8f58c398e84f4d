import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentJobSpec, RunNextFrame } from '@openase/shared/protocol/agent-run';
import type { DaemonFrame } from '@openase/shared/protocol/messages';
import { afterAll, describe, expect, it } from 'vitest';
import { spoolLimits } from '../runs/spool.js';
import { AgentRunHandle, DAEMON_RESTARTED } from './agent-run-handle.js';

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-handle-'));
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }));
const spec = {
  ticket: { id: 't', identifier: 'DEMO-1', title: 't', branch: 'openase/DEMO-1-t' },
  platform: { url: 'http://x', token: 'oar_secret' },
} as unknown as AgentJobSpec;

function handle(runId: string) {
  const sent: DaemonFrame[] = [];
  const h = AgentRunHandle.create(runsDir, runId, 1, spec, spoolLimits({}), {
    send: (f) => sent.push(f),
    flush: () => {},
    log: () => {},
  });
  return { h, sent };
}
const next = (turn: number, action: RunNextFrame['action']): RunNextFrame => ({
  type: 'run.next',
  runId: 'x',
  leaseEpoch: 1,
  turn,
  action,
});

/** Reports a first turn that went well (no failed hook, no path outside the rules, no commits): its answer. */
const askFirstTurnDone = (h: AgentRunHandle) =>
  h.ask({ type: 'run.turn', turn: 1, ok: true, afterTurnFailed: false, pathViolations: [], commits: [] });

describe('agent run handle', () => {
  it('does not keep the run token on disk', () => {
    handle('r0');
    expect(fs.readFileSync(path.join(runsDir, 'r0', 'spec.json'), 'utf8')).not.toContain('oar_secret');
  });

  it('run.turn carries the last spooled seq; only an answer to the open question resolves it', async () => {
    const { h, sent } = handle('r1');
    h.emit({ type: 'progress', message: 'a' });
    h.emit({ type: 'progress', message: 'b' });
    const answer = askFirstTurnDone(h);
    expect(sent).toEqual([
      expect.objectContaining({ type: 'run.turn', runId: 'r1', leaseEpoch: 1, turn: 1, lastSeq: 2 }),
    ]);
    expect(h.answer(next(2, 'continue'))).toBe(false);
    expect(h.answer(next(1, 'finish'))).toBe(true);
    expect((await answer)?.action).toBe('finish');
    const gate = h.ask({ type: 'run.gate', turn: 1, passed: false, output: 'x' });
    // A repeated `finish` for the same turn is the turn's answer again, not the gate's.
    expect(h.answer(next(1, 'finish'))).toBe(false);
    h.welcomed();
    expect(sent.map((f) => f.type)).toEqual(['run.turn', 'run.gate', 'run.gate']);
    expect(h.answer(next(1, 'continue'))).toBe(true);
    expect((await gate)?.action).toBe('continue');
    expect(h.answer(next(1, 'stop'))).toBe(false);
  });

  it('a stop resolves the open question with null and tells the supervisor', async () => {
    const { h } = handle('r2');
    const stops: number[] = [];
    h.onStop((grace) => stops.push(grace));
    const answer = askFirstTurnDone(h);
    h.stop('canceled', 1234);
    expect(await answer).toBeNull();
    expect(stops).toEqual([1234]);
    expect(await h.ask({ type: 'run.gate', turn: 1, passed: true, output: '' })).toBeNull();
  });

  it('re-opened after a daemon restart, an unfinished run ends with daemon_restarted and names the CLI session', () => {
    const { h } = handle('r3');
    h.emit({ type: 'progress', message: 'working' });
    h.rememberSession('sess-123');
    const reopened = AgentRunHandle.reopen(path.join(runsDir, 'r3'), spoolLimits({}))!;
    expect(reopened.finished).toBe(true);
    expect(reopened.state.end).toEqual({ exitCode: null, signal: null, reason: DAEMON_RESTARTED, lastSeq: 2 });
    expect(reopened.spool.unacked.at(-1)!.event).toMatchObject({
      type: 'error',
      code: DAEMON_RESTARTED,
      message: expect.stringContaining('sess-123'),
    });
    // A finished run re-opens as it is; a command run's folder is not an agent run.
    expect(AgentRunHandle.reopen(path.join(runsDir, 'r3'), spoolLimits({}))!.spool.lastSeq).toBe(2);
    fs.mkdirSync(path.join(runsDir, 'cmd'));
    fs.writeFileSync(path.join(runsDir, 'cmd', 'state.json'), JSON.stringify({ runId: 'cmd', leaseEpoch: 1 }));
    expect(AgentRunHandle.reopen(path.join(runsDir, 'cmd'), spoolLimits({}))).toBeNull();
  });

  it('events past the spool cap are counted and reported by a truncation event at the end', () => {
    const h = AgentRunHandle.create(
      runsDir,
      'r4',
      1,
      spec,
      { maxEvents: 3, maxBytes: 1 << 20 },
      { send: () => {}, flush: () => {}, log: () => {} },
    );
    for (let i = 0; i < 5; i++) h.emit({ type: 'progress', message: `p${i}` });
    h.end({ exitCode: 0 });
    expect(h.spool.unacked.map((e) => e.event.type)).toEqual(['progress', 'progress', 'truncation']);
    expect(h.spool.unacked.at(-1)!.event).toMatchObject({ droppedEvents: 3 });
    expect(h.state.end!.lastSeq).toBe(3);
  });
});
