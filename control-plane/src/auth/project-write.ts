/**
 * How a change inside one project starts: the role check, the input's parse, then one transaction
 * with the project the input names. Here in auth/ because it checks the role (kernel/ may not import auth/).
 */
import type { z } from 'zod';
import type { Role, RunTokenScope } from '@openase/shared';
import type { projects } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { requireRole, requireRoleOrGrantIn, requireRoleSomewhere } from './permissions.js';

export type ProjectRow = typeof projects.$inferSelect;

/**
 * Refuses unless the actor's role is at least `min` (`what` completes "you cannot …"), then parses `raw`:
 * the role comes first, so a viewer hears "your role cannot …", not what is wrong with the input.
 */
export function allowedInput<S extends z.ZodType>(actor: Actor, min: Role, what: string, schema: S, raw: unknown) {
  requireRole(actor, min, what);
  return schema.parse(raw) as z.output<S>;
}

/**
 * As `allowedInput` for work inside one project, known only later: refuses unless the actor holds `min` somewhere
 * (in the organization or in some project), then parses `raw`. The check in the project (`requireRoleIn`, where a
 * project role replaces the organization role) comes once it is known: `inProject` with `need`.
 */
export async function projectInput<S extends z.ZodType>(
  deps: Deps,
  actor: Actor,
  need: ProjectNeed,
  schema: S,
  raw: unknown,
) {
  await requireRoleSomewhere(deps.db, actor, need.min, need.what);
  return schema.parse(raw) as z.output<S>;
}

/** `projectInput` for a member's work. */
export function memberInput<S extends z.ZodType>(deps: Deps, actor: Actor, what: string, schema: S, raw: unknown) {
  return projectInput(deps, actor, { min: 'member', what }, schema, raw);
}

/** What a piece of work needs of the actor in its project: a role (a person) or, for an agent, a grant. */
export interface ProjectNeed {
  min: Role;
  what: string;
  /** An agent may do it with this scope in its grant instead (`requireRoleOrGrant`). */
  grant?: RunTokenScope;
}

/** Runs `work` in one transaction, with the project `ref` names (refused as `resolveProject` refuses). */
export function inProject<T>(
  deps: Deps,
  actor: Actor,
  ref: string,
  work: (tx: Tx, changes: Changes, project: ProjectRow) => Promise<T>,
): Promise<T> {
  return inProjectAs(deps, actor, null, ref, work);
}

/**
 * `inProject` once the actor's role in that project (its project role, else its organization role) meets `need`:
 * a member made viewer of the project only reads it, a viewer made member works there, a project admin administers it.
 */
export function inProjectAs<T>(
  deps: Deps,
  actor: Actor,
  need: ProjectNeed | null,
  ref: string,
  work: (tx: Tx, changes: Changes, project: ProjectRow) => Promise<T>,
): Promise<T> {
  return inTransaction(deps, async (tx, changes) => {
    const project = await resolveProject(tx, actor.orgId, ref);
    if (need) await requireRoleOrGrantIn(tx, actor, project.id, need);
    return work(tx, changes, project);
  });
}
