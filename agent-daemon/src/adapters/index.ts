/**
 * Agent adapters: the daemon's one entry point to start any agent CLI for a run.
 *   const session = await startAgentSession({ spec, workdir, privateDir, onEvent });
 *   const outcome = await session.runTurn();            // first turn: spec.prompt
 *   const next = await session.runTurn('continue…');    // later turns
 *   await session.close();                              // session.sessionId → store on the run
 * `privateDir` must be the ticket workspace's private area (kept across runs of the ticket, never
 * shared between tickets): each CLI's home/config dir lives there, which makes `resumeSessionId` work.
 * A spec from the wire goes through `parseAgentRunSpec` first (a clear error naming the fields).
 */
import { badRequest } from '@openase/shared/errors';
import { agentRunSpecSchema, type AgentRunSpec } from '@openase/shared/protocol/agent-spec';

export { SESSION_DRIVERS, startAgentSession } from './sessions.js';
export type { AgentSession, StartAgentSession, StartAgentSessionOptions, TurnOutcome } from './common/types.js';
export { detectAgentClis, detectCli, type InstalledCli } from './common/inventory.js';
export { decideTool, type ToolDecision, type ToolRequest, type ToolRules } from './common/tool-rules.js';

export function parseAgentRunSpec(input: unknown): AgentRunSpec {
  const parsed = agentRunSpecSchema.safeParse(input);
  if (!parsed.success)
    throw badRequest(
      `invalid agent run spec: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}
