/** The custom adapter with the scripted stand-in agent as the program (real processes). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentRunSpecSchema } from '@openase/shared/protocol/agent-spec';
import { afterAll, describe, expect, it } from 'vitest';
import { collectEvents } from '../../../test-support/events.js';
import { STAND_IN_AGENT } from '@openase/test-kit/daemon-process';
import { startCustomSession } from './session.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-custom-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function session(turns: unknown[], extra: Record<string, unknown> = {}) {
  const script = path.join(dir, `script-${Math.random().toString(16).slice(2)}.json`);
  fs.writeFileSync(script, JSON.stringify({ turns }));
  const collected = collectEvents();
  const spec = agentRunSpecSchema.parse({
    adapter: 'custom',
    command: process.execPath,
    args: [STAND_IN_AGENT, script],
    prompt: 'first',
    maxTurns: 2,
    ...extra,
  });
  const agent = await startCustomSession({
    spec,
    workdir: dir,
    privateDir: path.join(dir, 'private'),
    onEvent: collected.onEvent,
  });
  return { agent, ...collected };
}

describe('custom adapter', () => {
  it('one process per turn: input on stdin, events passed on, anything else kept as raw', async () => {
    const { agent, of, invalid } = await session([
      { steps: [{ text: 'one' }, { event: 'not an event' }, { event: { type: 'bogus' } }] },
      { steps: [{ text: 'two' }] },
    ]);
    expect(await agent.runTurn()).toMatchObject({ turn: 1, ok: true, reason: 'completed', text: 'one' });
    expect(await agent.runTurn('second')).toMatchObject({ turn: 2, ok: true, text: 'two' });
    expect(
      of('message')
        .filter((m) => m.role === 'user')
        .map((m) => m.text),
    ).toEqual(['first', 'second']);
    expect(of('raw').map((r) => r.line)).toEqual(['"not an event"', '{"type":"bogus"}']);
    expect(await agent.runTurn('third')).toMatchObject({ ok: false, reason: 'max_turns' });
    expect(invalid).toEqual([]);
    await agent.close();
  });

  it('a non-zero exit fails the turn with the exit code; interrupt stops a running turn', async () => {
    const failing = await session([{ steps: [{ exit: 3 }] }]);
    const outcome = await failing.agent.runTurn();
    expect(outcome).toMatchObject({ ok: false, reason: 'failed' });
    expect(outcome.message).toContain('exited with code 3');
    const hanging = await session([{ steps: [{ text: 'busy' }, { hang: true }] }]);
    const turn = hanging.agent.runTurn();
    for (const deadline = Date.now() + 10_000; !hanging.of('message').some((m) => m.text === 'busy');) {
      if (Date.now() > deadline) throw new Error('the stand-in did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    await hanging.agent.interrupt();
    expect(await turn).toMatchObject({ ok: false, reason: 'interrupted' });
  });

  it('refuses a spec without a command, and reports a program that cannot start', async () => {
    await expect(
      startCustomSession({
        spec: agentRunSpecSchema.parse({ adapter: 'custom', prompt: 'x' }),
        workdir: dir,
        privateDir: dir,
        onEvent: () => {},
      }),
    ).rejects.toThrow('needs `command`');
    const { agent } = await session([], { command: '/nonexistent/agent', args: [] });
    expect(await agent.runTurn()).toMatchObject({
      ok: false,
      reason: 'config',
      message: expect.stringContaining('could not start /nonexistent/agent'),
    });
  });
});
