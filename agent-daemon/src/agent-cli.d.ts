/**
 * The agent's `openase` CLI: control-plane/src/cli/agent.ts, carried in the daemon's bundle
 * as compressed text by build-options.mjs (vitest.config.ts aliases the name to the source). Declared here rather
 * than imported so the daemon's typecheck does not take in the control plane's sources; both sides
 * are typed by AgentCliMain in shared/.
 */
declare module '@openase/agent-cli' {
  export const runAgentCli: import('@openase/shared').AgentCliMain;
}
