/**
 * `openase-agent platform …`: what the agent's `openase` wrapper runs (platform-wrapper.ts). It is
 * the person's `openase` CLI (control-plane/src/cli/agent.ts, bundled in), authenticated as the run
 * by OPENASE_URL/OPENASE_TOKEN, with OPENASE_PROJECT/OPENASE_TICKET as defaults. Loaded on demand,
 * so the daemon itself does not evaluate it. Exit codes: 0 ok, 1 failure or refusal, 2 bad usage.
 */
import type { AgentCliIo } from '@openase/shared/protocol/agent-cli';

export async function platformMain(argv: string[], io: AgentCliIo): Promise<number> {
  const { runAgentCli } = await import('@openase/agent-cli');
  return runAgentCli(argv, io);
}
