/**
 * What a run's `openase` token may do: the vocabulary of a workflow's `scopes:` field. The
 * control plane enforces them on every call made with a run token (the prompt never decides).
 * A token is always confined to its own project, and "own ticket" means the run's ticket. Each description is true
 * for every holder: a ticket's agent, and a Project AI conversation, which has no ticket of its own and may
 * comment on and link any ticket of its project (agent-access.ts).
 */
export const RUN_TOKEN_SCOPES = {
  'tickets.read': 'read tickets, comments and statuses of the project',
  'tickets.comment': "comment on tickets: a ticket's agent on its own ticket, Project AI on any ticket of the project",
  'tickets.move':
    "move its own ticket, only to one of the workflow's finish statuses (add `tickets.move:<Status>` for another status)",
  'tickets.update_self': 'edit the title, description and labels of its own ticket',
  'tickets.create_child': 'create child tickets of its own ticket',
  'tickets.create': 'create tickets anywhere in the project',
  'tickets.link':
    "add and remove dependencies between tickets: a ticket's agent those of its own ticket, Project AI between any tickets of the project (those it drafts too)",
  'tickets.report_progress': 'report progress (a short status line and percent) on its own ticket',
  'tickets.ask': 'ask a person a question about its own ticket: its run ends and the ticket waits for the answer',
  'tickets.retry': 'start runs: retry a parked ticket of the project (its attempts start over)',
  'workflows.read': 'read the project’s workflows and skills (export a harness file)',
  'workflows.update': 'edit or import workflows (the same validation; each change is a new version)',
  'skills.update': 'import skills (a new version of an existing skill)',
  'repositories.add':
    'attach a repository to the project (`openase repo add`): one a Project AI conversation initialised and pushed',
  'workflows.hooks':
    'change what workflow hooks run (code run on machines; with workflows.update, and only a project admin can grant it)',
} as const;

export type RunTokenScope = keyof typeof RUN_TOKEN_SCOPES;
export const RUN_TOKEN_SCOPE_NAMES = Object.keys(RUN_TOKEN_SCOPES) as RunTokenScope[];

/** Granted when a workflow lists no `scopes:`. */
export const DEFAULT_RUN_SCOPES: readonly RunTokenScope[] = [
  'tickets.read',
  'tickets.comment',
  'tickets.move',
  'tickets.report_progress',
  'tickets.ask',
];

/**
 * Project AI (chat) tokens: what a conversation's agent may do when the project configures
 * nothing. A chat token has no ticket of its own: `tickets.link` then means any two tickets of
 * the project, and `tickets.comment` any ticket of the project. Editing workflows and skills is
 * not in the default (what a workflow or skill says becomes what the next ticket's agent runs);
 * a project admin may grant `workflows.update` / `skills.update` explicitly.
 */
export const DEFAULT_PROJECT_AI_SCOPES: readonly RunTokenScope[] = [
  'tickets.read',
  'tickets.create',
  'tickets.link',
  'tickets.comment',
  'workflows.read',
  'tickets.retry',
];

/** The prefix of a parameterized scope that allows one more target status: `tickets.move:Blocked`. */
export const MOVE_TO_STATUS_SCOPE = 'tickets.move:';

/**
 * Parses one scope entry. Returns the plain scope, or `{ moveTo }` for `tickets.move:<Status>`,
 * or null when the entry is not in the vocabulary.
 */
export function parseRunScope(entry: string): { scope: RunTokenScope } | { moveTo: string } | null {
  if (entry.startsWith(MOVE_TO_STATUS_SCOPE)) {
    const status = entry.slice(MOVE_TO_STATUS_SCOPE.length).trim();
    return status ? { moveTo: status } : null;
  }
  return Object.hasOwn(RUN_TOKEN_SCOPES, entry) ? { scope: entry as RunTokenScope } : null;
}
