/**
 * What an agent may call with its run token. Default deny: a run token reaches only the
 * operations whose catalogue entry (shared/src/api/catalogue.ts) has `run` access, each behind its
 * run scope and confined to the run's own project and ticket — enforced by the API, whatever the
 * prompt says. Any other procedure answers FORBIDDEN.
 */
import { API, forbidden, operationsOf, type Confinement, type RunAccess } from '@openase/shared';
import type { Actor, Deps, RunGrant } from '../kernel/context.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { resolveTicket } from '../tickets/tickets.js';

type Input = Record<string, unknown>;
interface Call {
  deps: Deps;
  actor: Actor;
  grant: RunGrant;
  input: Input;
  scope: string;
}

async function ownTicket(c: Call, field: string): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`a run token must name its own ticket in "${field}"`);
  const ticket = await resolveTicket(c.deps.db, c.actor.orgId, ref);
  if (ticket.id !== c.grant.ticketId)
    throw forbidden(`a run token may only act on its own ticket, not ${ticket.identifier}`);
}

async function ownProject(c: Call, field: string): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`a run token must name its own project in "${field}"`);
  const project = await resolveProject(c.deps.db, c.actor.orgId, ref);
  if (project.id !== c.grant.projectId) throw forbidden('a run token may only act in its own project');
}

async function ticketInProject(c: Call, field: string): Promise<void> {
  const ref = c.input[field];
  if (typeof ref !== 'string') throw forbidden(`missing "${field}"`);
  const ticket = await resolveTicket(c.deps.db, c.actor.orgId, ref);
  if (ticket.projectId !== c.grant.projectId) throw forbidden('a run token may only read tickets of its own project');
}

async function linksOwnTicket(c: Call): Promise<void> {
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

/** One confinement of the catalogue, checked. */
async function confine(c: Call, rule: Confinement): Promise<void> {
  if ('ownTicket' in rule) {
    // A Project AI conversation has no ticket of its own: where allowed, it acts on any ticket of its project.
    if (rule.projectAi && c.grant.conversationId) return ticketInProject(c, rule.ownTicket);
    return ownTicket(c, rule.ownTicket);
  }
  if ('projectTicket' in rule) return ticketInProject(c, rule.projectTicket);
  if ('project' in rule) return ownProject(c, rule.project);
  if ('childOf' in rule) {
    if (typeof c.input[rule.childOf] !== 'string')
      throw forbidden(`a run token with "${c.scope}" must create children of its own ticket (pass ${rule.childOf})`);
    return ownTicket(c, rule.childOf);
  }
  if ('onlyFields' in rule) {
    const allowed: readonly string[] = rule.onlyFields;
    const extra = Object.keys(c.input).filter((k) => !allowed.includes(k));
    const fields = allowed.filter((f) => f !== 'ticket');
    const named = `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`;
    if (extra.length)
      throw forbidden(`a run token may only change the ${named} of its ticket, not ${extra.join(', ')}`);
    return;
  }
  return linksOwnTicket(c);
}

function missingScope(scopes: string[], grant: RunGrant): never {
  const named = scopes.map((s) => `"${s}"`).join(' or ');
  if (grant.conversationId)
    throw forbidden(
      `the project's Project-AI scopes do not grant ${named}; a project admin can allow it (openase chat settings --project P --scopes …)`,
    );
  throw forbidden(
    `this run's workflow does not grant ${named}; add it to the harness scopes if the agent should be able to do this`,
  );
}

/** The run-token allowlist: the catalogue's operations with run access, by their tRPC path. */
const RUN_ACCESS = new Map<string, readonly RunAccess<unknown>[]>(
  operationsOf(API).flatMap((op) => (op.run ? [[op.path, op.run as readonly RunAccess<unknown>[]]] : [])),
);

/** Throws FORBIDDEN unless the agent's run token allows calling `path` with `input`. */
export async function checkAgentAccess(deps: Deps, actor: Actor, path: string, rawInput: unknown): Promise<void> {
  const grant = actor.run;
  if (!grant) return;
  const ways = RUN_ACCESS.get(path);
  if (!ways)
    throw forbidden(
      `a run token cannot call ${path}; agents may read their project's tickets, comment, move, update and link their own ticket, create child tickets and report progress, as their workflow's scopes allow (Project AI conversations also: create and link tickets, edit workflows and skills, retry tickets, attach repositories, as the project's Project-AI scopes allow)`,
    );
  const input = rawInput && typeof rawInput === 'object' ? (rawInput as Input) : {};
  const way = ways.find((w) => grant.scopes.includes(w.scope));
  if (!way)
    missingScope(
      ways.map((w) => w.scope),
      grant,
    );
  const call: Call = { deps, actor, grant, input, scope: way.scope };
  for (const rule of way.confine) await confine(call, rule as Confinement);
}

/** For tests and docs: the procedures a run token can ever reach. */
export const AGENT_PROCEDURES = [...RUN_ACCESS.keys()];
