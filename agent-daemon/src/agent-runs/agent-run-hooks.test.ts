/**
 * Agent runs on the real daemon (setup in agent-run-fixtures.ts): the before_finish gate, hooks that
 * fail, cancel, the turn limit and the run deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@openase/test-kit/wait';
import { useAgentRunFixtures } from './agent-run-fixtures.js';

const { daemon, finished, hook, job, next, offer, ofType, remote, turnFrame } = useAgentRunFixtures();

describe('agent runs on the daemon', () => {
  it('finish runs the before_finish gate; a failure goes back as run.gate and the next turn carries it to the agent', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [
        { steps: [{ write: { path: 'feature.txt', content: 'half done\n' } }] },
        { steps: [{ write: { path: 'tests-pass.txt', content: 'yes\n' } }] },
      ],
      hooks: {
        before_finish: [
          hook(
            'if [ -f tests-pass.txt ]; then echo all green; else echo "FAIL: tests-pass.txt is missing"; exit 3; fi',
          ),
        ],
        on_error: [hook('touch "$OPENASE_WORKSPACE/.openase/errored"')],
      },
    });
    const runId = await offer(d, spec);
    await turnFrame(d, runId, 1);
    next(d, runId, 1, 'finish');
    const failedGate = await d.waitFrame('run.gate', (f) => f.runId === runId);
    expect(failedGate).toMatchObject({ turn: 1, passed: false });
    expect(failedGate.output).toContain('failed with exit code 3');
    expect(failedGate.output).toContain('FAIL: tests-pass.txt is missing');
    // A repeated answer to the turn (e.g. after a resend) must not be taken as the gate's answer.
    next(d, runId, 1, 'finish');
    next(d, runId, 1, 'continue', { input: `The checks failed:\n${failedGate.output}` });
    const second = await turnFrame(d, runId, 2);
    expect(second.ok).toBe(true);
    const userMessages = ofType(d, runId, 'message')
      .filter((m) => m.role === 'user')
      .map((m) => m.text);
    expect(userMessages).toEqual(['do the task', `The checks failed:\n${failedGate.output}`]);
    next(d, runId, 2, 'finish');
    const passed = await d.waitFrame('run.gate', (f) => f.runId === runId && f.turn === 2);
    expect(passed).toMatchObject({ passed: true, output: '' });
    next(d, runId, 2, 'stop', { outcome: 'succeeded' });
    expect(await finished(d, runId)).toMatchObject({ exitCode: 0 });
    expect(r.log(spec.ticket.branch).slice(0, 2)).toEqual([
      `${spec.ticket.identifier}: Add a greeting (turn 2)`,
      `${spec.ticket.identifier}: Add a greeting (turn 1)`,
    ]);
    const gateHooks = ofType(d, runId, 'hook').filter((h) => h.hook === 'before_finish' && h.status !== 'started');
    expect(gateHooks.map((h) => h.status)).toEqual(['failed', 'passed']);
  });

  it('cancel interrupts the agent, runs on_cancel hooks and finishes as canceled', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'thinking hard' }, { hang: true }] }],
      hooks: { on_cancel: [hook('echo "canceled $OPENASE_RUN" > "$OPENASE_WORKSPACE/.openase/canceled"')] },
    });
    const runId = await offer(d, spec);
    await waitFor('the agent to be working', () => ofType(d, runId, 'message').some((m) => m.text === 'thinking hard'));
    d.send({ type: 'run.cancel', runId, leaseEpoch: 1, graceMs: 2000 });
    const end = await finished(d, runId);
    expect(end).toMatchObject({ exitCode: null, reason: 'canceled' });
    expect(d.framesOf('run.turn', runId)).toEqual([]);
    expect(
      fs.readFileSync(
        path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier, '.openase', 'canceled'),
        'utf8',
      ),
    ).toBe(`canceled ${runId}\n`);
    expect(ofType(d, runId, 'turn.finished')).toEqual([expect.objectContaining({ ok: false, reason: 'interrupted' })]);
  });

  it('a failing on_claim hook ends the run as failed with the hook output, before the agent starts', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'should not run' }] }],
      hooks: { on_claim: [hook('echo "cannot install deps"; exit 7')] },
    });
    const runId = await offer(d, spec);
    const end = await finished(d, runId);
    expect(end.exitCode).toBe(1);
    // In words, the hook's name only in the detail that goes on.
    expect(end.reason).toMatch(/^The setup on taking the ticket failed\./);
    expect(ofType(d, runId, 'error')[0]!.message).toContain('cannot install deps');
    expect(ofType(d, runId, 'turn.started')).toEqual([]);
  });

  it('a continue past the turn limit ends the run as failed instead of repeating the last turn', async () => {
    const d = await daemon();
    const r = remote();
    const base = job(r, { turns: [{ steps: [{ text: 'one turn' }] }] });
    const spec = { ...base, agent: { ...base.agent, maxTurns: 1 } };
    const runId = await offer(d, spec);
    // Nothing changed: nothing is pushed (no branch equal to main appears on the remote).
    expect((await turnFrame(d, runId, 1)).commits).toEqual([expect.objectContaining({ repo: 'app', pushed: false })]);
    expect(r.files(spec.ticket.branch)).toBeNull();
    next(d, runId, 1, 'continue', { input: 'more' });
    const end = await finished(d, runId);
    expect(end).toMatchObject({ exitCode: 1, reason: 'the run reached its limit of 1 turns' });
    expect(d.framesOf('run.turn', runId)).toHaveLength(1);
  });

  it('the run deadline (timeoutMs) stops the agent and ends the run as timed out', async () => {
    const d = await daemon();
    const r = remote();
    const spec = { ...job(r, { turns: [{ steps: [{ hang: true }] }] }), timeoutMs: 300 };
    const runId = await offer(d, spec);
    expect(await finished(d, runId)).toMatchObject({ exitCode: null, reason: 'timeout' });
  });
});
