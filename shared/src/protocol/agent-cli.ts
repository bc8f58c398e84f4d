/**
 * The seam between the daemon and the `openase` CLI it ships to agents: control-plane/src/cli/agent.ts
 * implements it, agent-daemon bundles that file in (agent-daemon/build-options.mjs) and calls it for
 * `openase-agent platform …`. Both sides are typed against this one signature.
 */
export interface AgentCliIo {
  out(line: string): void;
  err(line: string): void;
  /** The run's environment: OPENASE_URL, OPENASE_TOKEN, OPENASE_PROJECT, OPENASE_TICKET. */
  env: Record<string, string | undefined>;
  write?(text: string): void;
}

/** Runs the agent's `openase` with argv; resolves to the exit code (0 ok, 1 failed or refused, 2 bad usage). */
export type AgentCliMain = (argv: string[], io: AgentCliIo) => Promise<number>;
