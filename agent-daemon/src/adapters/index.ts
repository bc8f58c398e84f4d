/**
 * Agent adapters: the daemon's one entry point to start any agent CLI for a run.
 *   const session = await startAgentSession({ spec, workdir, privateDir, onEvent });
 *   const outcome = await session.runTurn();            // first turn: spec.prompt
 *   const next = await session.runTurn('continue…');    // later turns
 *   await session.close();                              // session.sessionId → store on the run
 * `privateDir` must be the ticket workspace's private area (kept across runs of the ticket, never
 * shared between tickets): each CLI's home/config dir lives there, which makes `resumeSessionId` work.
 */
import { agentRunSpecSchema, badRequest, type AgentRunSpec, type AgentRunSpecInput } from '@openase/shared';
import { startClaudeSession } from './claude/session.js';
import { startCodexSession } from './codex/session.js';
import { reportDenials } from './common/denials.js';
import type { AgentSession, StartAgentSession, StartAgentSessionOptions } from './common/types.js';
import { startCustomSession } from './custom/session.js';
import { startGeminiSession } from './gemini/session.js';

export type { AgentSession, StartAgentSessionOptions, TurnOutcome } from './common/types.js';
export { detectAgentClis, detectCli, type InstalledCli } from './common/inventory.js';
export { decideTool, type ToolDecision, type ToolRequest, type ToolRules } from './common/tool-rules.js';

const SESSION_STARTERS: Record<AgentRunSpec['adapter'], StartAgentSession> = {
  'claude-code': startClaudeSession,
  codex: startCodexSession,
  gemini: startGeminiSession,
  custom: startCustomSession,
};

export async function startAgentSession(options: Omit<StartAgentSessionOptions, 'spec'> & { spec: AgentRunSpecInput }): Promise<AgentSession> {
  const parsed = agentRunSpecSchema.safeParse(options.spec);
  if (!parsed.success) throw badRequest(`invalid agent run spec: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  const full = { ...options, spec: parsed.data };
  return reportDenials(SESSION_STARTERS[parsed.data.adapter])(full);
}
