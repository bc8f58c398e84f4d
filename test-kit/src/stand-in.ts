/**
 * The stand-in agent (stand-in-agent.mjs beside this file): a scripted program that speaks the custom
 * adapter's JSON lines, run by tests, demos and benchmarks in place of a real agent CLI.
 */
import { fileURLToPath } from 'node:url';
import type { AgentJobSpec } from '@openase/shared';

export const STAND_IN_AGENT = fileURLToPath(new URL('./stand-in-agent.mjs', import.meta.url));

/**
 * The `agent` of a job spec that runs the stand-in (adapter `custom`) with a script file of turns, no tools
 * rules, MCP servers or skills.
 */
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
