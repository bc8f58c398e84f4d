/**
 * The agent's `openase` CLI: control-plane/src/cli/agent.ts, bundled into the daemon by
 * build-options.mjs (an esbuild alias; vitest.config.ts has the same alias). Declared here rather
 * than imported so the daemon's typecheck does not take in the control plane's sources; both sides
 * are typed by AgentCliMain in shared/.
 */
declare module '@openase/agent-cli' {
  export const runAgentCli: import('@openase/shared').AgentCliMain;
}
