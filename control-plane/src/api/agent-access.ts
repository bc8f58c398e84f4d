/**
 * What an agent may call with its run token. Default deny: a run token reaches only the
 * procedures listed here, each behind its run scope and confined to the run's own project and
 * ticket — enforced by the API, whatever the prompt says. Any other procedure answers FORBIDDEN.
 */
import { forbidden } from '@openase/shared';
import type { Actor, Deps, RunGrant } from '../kernel/context.js';
import { resolveProject } from '../projects/projects.js';
import { resolveTicket } from '../tickets/tickets.js';

type Input = Record<string, unknown>;
type Check = (ctx: { deps: Deps; actor: Actor; grant: RunGrant; input: Input }) => Promise<void>;

async function ownTicket(c: Parameters<Check>[0], field: string): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`a run token must name its own ticket in "${field}"`);
  const ticket = await resolveTicket(c.deps.db, c.actor.orgId, ref);
  if (ticket.id !== c.grant.ticketId)
    throw forbidden(`a run token may only act on its own ticket, not ${ticket.identifier}`);
}

/**
 * A Project AI conversation has no ticket of its own: where a ticket run is confined to its ticket, a conversation may
 * act on any ticket of its project.
 */
async function ownTicketOrProjectAi(c: Parameters<Check>[0], field: string): Promise<void> {
  if (c.grant.conversationId) return ticketInProject(c, field);
  return ownTicket(c, field);
}

async function ownProject(c: Parameters<Check>[0], field = 'project'): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`a run token must name its own project in "${field}"`);
  const project = await resolveProject(c.deps.db, c.actor.orgId, ref);
  if (project.id !== c.grant.projectId) throw forbidden('a run token may only act in its own project');
}

async function ticketInProject(c: Parameters<Check>[0], field: string): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`missing "${field}"`);
  const ticket = await resolveTicket(c.deps.db, c.actor.orgId, ref);
  if (ticket.projectId !== c.grant.projectId) throw forbidden('a run token may only read tickets of its own project');
}

function needs(scope: string, grant: RunGrant): void {
  if (grant.scopes.includes(scope)) return;
  if (grant.conversationId)
    throw forbidden(
      `the project's Project-AI scopes do not grant "${scope}"; a project admin can allow it (openase chat scopes --project P --set …)`,
    );
  throw forbidden(
    `this run's workflow does not grant "${scope}"; add it to the harness scopes if the agent should be able to do this`,
  );
}

const RULES: Record<string, Check> = {
  'tickets.show': async (c) => (needs('tickets.read', c.grant), ticketInProject(c, 'ticket')),
  'tickets.list': async (c) => (needs('tickets.read', c.grant), ownProject(c)),
  'tickets.why': async (c) => (needs('tickets.read', c.grant), ticketInProject(c, 'ticket')),
  'statuses.list': async (c) => (needs('tickets.read', c.grant), ownProject(c)),
  'projects.get': async (c) => (needs('tickets.read', c.grant), ownProject(c)),
  'comments.add': async (c) => (needs('tickets.comment', c.grant), ownTicketOrProjectAi(c, 'ticket')),
  'tickets.retry': async (c) => (needs('tickets.retry', c.grant), ticketInProject(c, 'ticket')),
  'workflows.list': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  'workflows.show': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  'workflows.export': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  'workflows.validate': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  'skills.list': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  'skills.export': async (c) => (needs('workflows.read', c.grant), ownProject(c)),
  // The same validation as a person's edit; each change is a new version, attributed to the run.
  'workflows.update': async (c) => (needs('workflows.update', c.grant), ownProject(c)),
  'workflows.import': async (c) => (needs('workflows.update', c.grant), ownProject(c)),
  'skills.import': async (c) => (needs('skills.update', c.grant), ownProject(c)),
  // Which statuses it may move to is checked by orchestrator/agent-moves.ts.
  'tickets.move': async (c) => (needs('tickets.move', c.grant), ownTicket(c, 'ticket')),
  'tickets.ask': async (c) => (needs('tickets.ask', c.grant), ownTicket(c, 'ticket')),
  'tickets.reportProgress': async (c) => (needs('tickets.report_progress', c.grant), ownTicket(c, 'ticket')),
  'tickets.update': async (c) => {
    needs('tickets.update_self', c.grant);
    await ownTicket(c, 'ticket');
    const extra = Object.keys(c.input).filter((k) => !['ticket', 'title', 'description', 'labels'].includes(k));
    if (extra.length)
      throw forbidden(
        `a run token may only change the title, description and labels of its ticket, not ${extra.join(', ')}`,
      );
  },
  'tickets.create': async (c) => {
    await ownProject(c);
    if (c.grant.scopes.includes('tickets.create')) return;
    needs('tickets.create_child', c.grant);
    const parent = c.input.parent;
    if (typeof parent !== 'string')
      throw forbidden('a run token with "tickets.create_child" must create children of its own ticket (pass parent)');
    await ownTicket(c, 'parent');
  },
  'tickets.link': async (c) => linkRule(c),
  'tickets.unlink': async (c) => linkRule(c),
};

async function linkRule(c: Parameters<Check>[0]): Promise<void> {
  needs('tickets.link', c.grant);
  const linked = await Promise.all(
    ['blocker', 'blocked'].map((f) => resolveTicket(c.deps.db, c.actor.orgId, String(c.input[f] ?? ''))),
  );
  if (c.grant.conversationId) {
    if (linked.some((t) => t.projectId !== c.grant.projectId))
      throw forbidden('a Project AI conversation may only link tickets of its own project');
    return;
  }
  if (!linked.some((t) => t.id === c.grant.ticketId))
    throw forbidden('a run token may only add or remove dependencies of its own ticket');
}

/** Throws FORBIDDEN unless the agent's run token allows calling `path` with `input`. */
export async function checkAgentAccess(deps: Deps, actor: Actor, path: string, rawInput: unknown): Promise<void> {
  const grant = actor.run;
  if (!grant) return;
  const rule = RULES[path];
  if (!rule)
    throw forbidden(
      `a run token cannot call ${path}; agents may read their project's tickets, comment, move, update and link their own ticket, create child tickets and report progress, as their workflow's scopes allow (Project AI conversations also: create and link tickets, edit workflows and skills, retry tickets, as the project's Project-AI scopes allow)`,
    );
  const input = rawInput && typeof rawInput === 'object' ? (rawInput as Input) : {};
  await rule({ deps, actor, grant, input });
}

/** For tests and docs: the procedures a run token can ever reach. */
export const AGENT_PROCEDURES = Object.keys(RULES);
