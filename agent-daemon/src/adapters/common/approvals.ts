/**
 * A tool call that matched the harness `tools.ask`: the adapter holds the CLI's permission request open, asks a
 * person through the run (`askPerson`, which the daemon turns into a `run.approval` frame) and answers the CLI with the
 * decision. The transcript gets an `approval` event when the call starts waiting and one when it is decided.
 */
import type { RunEvent } from '@openase/shared/events/run-events';
import type { ToolRequest } from './tool-rules.js';
import { approvalDetail } from './tool-rules.js';

export interface ApprovalAsk {
  /** Unique within the run (the CLI's request or tool-use id). */
  id: string;
  tool: string;
  /** The exact command, or the path for a file tool. */
  detail: string;
  /** The `tools.ask` pattern it matched. */
  rule: string;
}

export interface ApprovalAnswer {
  approve: boolean;
  /** Who decided: a person's name, or what decided for them ("approval timeout"). */
  by: string;
  reason?: string;
}

export type AskPerson = (ask: ApprovalAsk) => Promise<ApprovalAnswer>;

/** Asks and records both ends in the transcript; with nobody to ask (no `askPerson`) the call is declined. */
export async function askForApproval(
  askPerson: AskPerson | undefined,
  onEvent: (event: RunEvent) => void,
  call: { id: string; request: ToolRequest; rule: string },
): Promise<ApprovalAnswer> {
  const ask: ApprovalAsk = {
    id: call.id,
    tool: call.request.name,
    detail: approvalDetail(call.request).slice(0, 8000),
    rule: call.rule,
  };
  onEvent({ type: 'approval', ...ask, state: 'waiting' });
  const answer: ApprovalAnswer = askPerson
    ? await askPerson(ask).catch((error: Error) => ({
        approve: false,
        by: 'OpenASE',
        reason: `the approval could not be asked: ${error.message}`,
      }))
    : { approve: false, by: 'OpenASE', reason: 'this run has no way to ask a person' };
  onEvent({
    type: 'approval',
    ...ask,
    state: answer.approve ? 'approved' : 'declined',
    by: answer.by.slice(0, 200),
    ...(answer.reason ? { reason: answer.reason.slice(0, 2000) } : {}),
  });
  return answer;
}

/** What the agent is told when a person declines (the CLI shows it as the tool's refusal). */
export function declineMessage(tool: string, detail: string, answer: ApprovalAnswer): string {
  return `OpenASE: ${answer.by} declined ${tool} (${detail})${answer.reason ? `: ${answer.reason}` : ''}. Do not retry it; continue without it or explain what you need.`;
}
