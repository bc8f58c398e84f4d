import { type RunEvent } from '@openase/shared/events/run-events';
import { deniedSummary } from '@openase/shared/protocol/agent-run';
import type { AgentSession, StartAgentSession, TurnOutcome } from './types.js';

/**
 * Makes every adapter's turn say which tool calls the harness refused: the turn's `result` event
 * gets a `reason` ("the harness refused: Bash ×2") when it has none, and the outcome lists
 * `deniedTools`. Works on the normalized events, so it is the same for every CLI.
 */
export function reportDenials(start: StartAgentSession): StartAgentSession {
  return async (options) => {
    const names = new Map<string, string>();
    let denied: string[] = [];
    const onEvent = (event: RunEvent) => {
      if (event.type === 'turn.started') denied = [];
      if (event.type === 'tool.call') names.set(event.id, event.name);
      if (event.type === 'tool.result' && event.denied) denied.push(names.get(event.id) ?? 'unknown tool');
      if (event.type === 'result' && denied.length > 0 && !event.reason) {
        options.onEvent({ ...event, reason: deniedSummary(denied) });
        return;
      }
      options.onEvent(event);
    };
    const session = await start({ ...options, onEvent });
    const withDenials = (outcome: TurnOutcome): TurnOutcome =>
      denied.length > 0 ? { ...outcome, deniedTools: [...denied] } : outcome;
    const wrapped: AgentSession = {
      get sessionId() {
        return session.sessionId;
      },
      runTurn: async (input) => withDenials(await session.runTurn(input)),
      interrupt: () => session.interrupt(),
      close: () => session.close(),
    };
    return wrapped;
  };
}

export { deniedSummary };
