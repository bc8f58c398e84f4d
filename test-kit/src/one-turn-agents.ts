/**
 * Agents that run their ticket once: a `custom` agent (node with the given arguments) and a workflow in which it
 * takes each ticket in Todo for one turn and one attempt. Tests of dispatch, replicas, metrics and moves use them.
 */
import type { ApiClient } from '@openase/control-plane/cli/client';

export interface OneTurnAgent {
  /** The agent's name. */
  name: string;
  /** node's arguments (a script, or `-e` and its source). */
  args: string[];
  /** Secrets bound to the agent's environment. */
  secrets?: Record<string, string>;
  /** The workflow's name (default: the agent's). */
  workflow?: string;
  /** The status a finished ticket moves to. */
  finish: string;
  /** The workflow's prompt. */
  prompt: string;
}

/** Creates `agent` in `project` and its one-turn, one-attempt workflow picking up Todo. */
export async function createOneTurnAgent(api: ApiClient, project: string, agent: OneTurnAgent): Promise<void> {
  await api.agents.create.mutate({
    project,
    name: agent.name,
    adapter: 'custom',
    command: process.execPath,
    args: agent.args,
    ...(agent.secrets ? { secrets: agent.secrets } : {}),
  });
  const workflow = agent.workflow ?? agent.name;
  await api.workflows.import.mutate({
    project,
    source: `---\nname: ${workflow}\nagent: ${agent.name}\npickup: [Todo]\nfinish: [${agent.finish}]\nmax_turns: 1\nmax_attempts: 1\n---\n${agent.prompt}\n`,
  });
}

/** A one-turn agent that answers at once: tests that measure dispatch, not agents, use it. */
export const QUICK_AGENT = `process.stdin.resume(); process.stdin.on('end', () => console.log(JSON.stringify({ type: 'message', role: 'assistant', text: 'looked at it' })));`;

/**
 * A project whose tickets in Todo are each run once by QUICK_AGENT (one turn, one attempt, never
 * finishing: the ticket ends parked), for tests of dispatch, replicas and metrics.
 */
export async function createQuickProject(api: ApiClient, name: string, ticketPrefix: string): Promise<string> {
  const project = await api.projects.create.mutate({ name, ticketPrefix });
  await createOneTurnAgent(api, project.slug, {
    name: 'quick',
    args: ['-e', QUICK_AGENT],
    finish: 'In Review',
    prompt: 'Look at {{ ticket.identifier }}.',
  });
  return project.slug;
}
