/**
 * How a change inside one project starts: the role check, the input's parse, then one transaction
 * with the project the input names. Here in auth/ because it checks the role (kernel/ may not import auth/).
 */
import type { z } from 'zod';
import type { Role } from '@openase/shared';
import type { projects } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { requireRole, requireRoleSomewhere } from './permissions.js';

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
 * As `allowedInput` for work whose project is known only later: refuses unless the actor is a member somewhere
 * (of the organization or of some project), then parses `raw`. The check in the project comes once it is known.
 */
export async function memberInput<S extends z.ZodType>(
  deps: Deps,
  actor: Actor,
  what: string,
  schema: S,
  raw: unknown,
) {
  await requireRoleSomewhere(deps.db, actor, 'member', what);
  return schema.parse(raw) as z.output<S>;
}

/** Runs `work` in one transaction, with the project `ref` names (refused as `resolveProject` refuses). */
export function inProject<T>(
  deps: Deps,
  actor: Actor,
  ref: string,
  work: (tx: Tx, changes: Changes, project: ProjectRow) => Promise<T>,
): Promise<T> {
  return inTransaction(deps, async (tx, changes) => work(tx, changes, await resolveProject(tx, actor.orgId, ref)));
}
