/** The session driver of each adapter (the `adapter` of an agent run spec). */
import type { AgentAdapter } from '@openase/shared/domain/enums';
import { startClaudeSession } from './claude/session.js';
import { startCodexSession } from './codex/session.js';
import { reportDenials } from './common/denials.js';
import type { StartAgentSession } from './common/types.js';
import { startCustomSession } from './custom/session.js';
import { startGeminiSession } from './gemini/session.js';

export const SESSION_DRIVERS: Record<AgentAdapter, StartAgentSession> = {
  'claude-code': startClaudeSession,
  codex: startCodexSession,
  gemini: startGeminiSession,
  custom: startCustomSession,
};

/** Starts the spec's adapter; every turn also names the tool calls the harness refused. */
export const startAgentSession: StartAgentSession = (options) =>
  reportDenials(SESSION_DRIVERS[options.spec.adapter])(options);
