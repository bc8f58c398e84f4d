/** The session driver of each adapter (the `adapter` of an agent run spec). */
import type { AgentAdapter } from '@openase/shared';
import { startClaudeSession } from './claude/session.js';
import { startCodexSession } from './codex/session.js';
import type { StartAgentSession } from './common/types.js';
import { startCustomSession } from './custom/session.js';
import { startGeminiSession } from './gemini/session.js';

export const SESSION_DRIVERS: Record<AgentAdapter, StartAgentSession> = {
  'claude-code': startClaudeSession,
  codex: startCodexSession,
  gemini: startGeminiSession,
  custom: startCustomSession,
};

export const startAgentSession: StartAgentSession = (options) => SESSION_DRIVERS[options.spec.adapter](options);
