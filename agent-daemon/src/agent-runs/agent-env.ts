/**
 * What an agent run is told about itself, as environment variables (never spliced into a command
 * line): the agent CLI and every hook get these. The CLI also gets the spec's env (secrets) and a
 * PATH with the platform wrapper's folder first.
 */
import path from 'node:path';
import type { AgentJobSpec } from '@openase/shared/protocol/agent-run';

export interface AgentRunFacts {
  runId: string;
  spec: AgentJobSpec;
  /** The ticket's workspace folder. */
  workspace: string;
  /** The platform wrapper (`.openase/bin/openase`). */
  wrapper: string;
}

/** `OPENASE_*` facts shared by the agent CLI and the hooks. */
export function openaseEnv({ runId, spec, workspace, wrapper }: AgentRunFacts): Record<string, string> {
  return {
    OPENASE_TICKET: spec.ticket.identifier,
    OPENASE_TICKET_ID: spec.ticket.id,
    OPENASE_TICKET_TITLE: spec.ticket.title,
    OPENASE_BRANCH: spec.ticket.branch,
    OPENASE_PROJECT: spec.project.slug,
    OPENASE_RUN: runId,
    OPENASE_WORKSPACE: workspace,
    OPENASE_ATTEMPT: String(spec.attempt),
    OPENASE_URL: spec.platform.url,
    OPENASE_TOKEN: spec.platform.token,
    OPENASE_CLI: wrapper,
  };
}

/** The agent CLI's environment: the spec's env, the facts, and PATH with the wrapper's folder first. */
export function agentProcessEnv(
  facts: AgentRunFacts,
  basePath = process.env.PATH ?? '/usr/bin:/bin',
): Record<string, string> {
  const specPath = facts.spec.agent.env.PATH ?? basePath;
  return {
    ...facts.spec.agent.env,
    ...openaseEnv(facts),
    PATH: `${path.dirname(facts.wrapper)}${path.delimiter}${specPath}`,
  };
}
