/**
 * Test fixture: the `agent` of a job spec that runs the scripted stand-in program (test-kit's stand-in agent,
 * adapter `custom`) with a script file of turns, no tools rules, MCP servers or skills.
 */
import type { AgentJobSpec } from '@openase/shared';
import { STAND_IN_AGENT } from '@openase/test-kit/daemon-process';

export function standInAgent(
  scriptFile: string,
  { prompt, maxTurns, env }: { prompt: string; maxTurns: number; env: Record<string, string> },
): AgentJobSpec['agent'] {
  return {
    adapter: 'custom',
    command: process.execPath,
    args: [STAND_IN_AGENT, scriptFile],
    prompt,
    maxTurns,
    env,
    provider: {},
    systemPrompt: '',
    permissionMode: 'default',
    tools: { allow: [], deny: [] },
    mcpServers: {},
    skills: {},
  };
}
