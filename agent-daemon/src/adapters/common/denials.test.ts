import { type RunEvent } from '@openase/shared/events/run-events';
import { agentRunSpecSchema } from '@openase/shared/protocol/agent-spec';
import { describe, expect, it } from 'vitest';
import { deniedSummary, reportDenials } from './denials.js';
import type { AgentSession, StartAgentSessionOptions } from './types.js';

/** A session that replays fixed events per turn. */
function scripted(turnEvents: RunEvent[][]) {
  return async ({ onEvent }: StartAgentSessionOptions): Promise<AgentSession> => {
    let turn = 0;
    return {
      sessionId: 's',
      async runTurn() {
        for (const event of turnEvents[turn] ?? []) onEvent(event);
        turn += 1;
        return { turn, ok: true, reason: 'completed' };
      },
      interrupt: async () => undefined,
      close: async () => undefined,
    };
  };
}

describe('reportDenials', () => {
  it('names the refused tools in the turn result and outcome, per turn', async () => {
    const events: RunEvent[] = [];
    const start = reportDenials(
      scripted([
        [
          { type: 'turn.started', turn: 1 },
          { type: 'tool.call', id: 'a', name: 'Bash', input: {} },
          { type: 'tool.result', id: 'a', ok: false, denied: true, output: 'no' },
          { type: 'tool.call', id: 'b', name: 'Bash', input: {} },
          { type: 'tool.result', id: 'b', ok: false, denied: true, output: 'no' },
          { type: 'result', ok: true, text: 'gave up' },
        ],
        [
          { type: 'turn.started', turn: 2 },
          { type: 'result', ok: true, text: 'fine' },
        ],
      ]),
    );
    const session = await start({
      spec: agentRunSpecSchema.parse({ adapter: 'custom', prompt: 'x' }),
      workdir: '/w',
      privateDir: '/p',
      onEvent: (e) => events.push(e),
    });
    expect(await session.runTurn()).toMatchObject({ deniedTools: ['Bash', 'Bash'] });
    expect(await session.runTurn('next')).not.toHaveProperty('deniedTools');
    expect(events.filter((e) => e.type === 'result')).toEqual([
      { type: 'result', ok: true, text: 'gave up', reason: 'the harness refused: Bash ×2' },
      { type: 'result', ok: true, text: 'fine' },
    ]);
    expect(session.sessionId).toBe('s');
  });

  it('summarizes', () => {
    expect(deniedSummary(['Bash', 'Write', 'Bash'])).toBe('the harness refused: Bash ×2, Write');
  });
});
