/**
 * What a project still needs before agents pick up its tickets: a repository to work in, an agent (which CLI runs)
 * and an active workflow naming one (which statuses it picks up). The board lists them until all are there; a new
 * project's board otherwise invited to "drag a ticket to Todo" where nothing would pick it up.
 */
export interface SetupStep {
  key: 'repository' | 'agent' | 'workflow';
  done: boolean;
  title: string;
  detail: string;
  /** The page where it is done. */
  route: 'repositories' | 'agents' | 'workflows';
}

export interface SetupFacts {
  repositories: number;
  agents: number;
  workflows: ReadonlyArray<{ active: boolean; agent: unknown; pickup: readonly string[] }>;
}

export function setupSteps(facts: SetupFacts): SetupStep[] {
  const ready = facts.workflows.filter((w) => w.active && w.agent);
  return [
    {
      key: 'repository',
      done: facts.repositories > 0,
      title: 'Add a repository',
      detail: 'the code the agents work on; each ticket gets its own branch of it',
      route: 'repositories',
    },
    {
      key: 'agent',
      done: facts.agents > 0,
      title: 'Add an agent',
      detail: 'which coding CLI runs a ticket (Claude Code, Codex, Gemini CLI or your own command)',
      route: 'agents',
    },
    {
      key: 'workflow',
      done: ready.length > 0,
      title: 'Create a workflow with an agent',
      detail: ready.length
        ? `tickets moved to ${[...new Set(ready.flatMap((w) => w.pickup))].join(' or ')} are picked up`
        : facts.workflows.some((w) => w.active)
          ? 'your workflows name no agent yet: set one in the workflow'
          : 'which statuses it picks tickets up from, with which agent (a template sets one up)',
      route: 'workflows',
    },
  ];
}
