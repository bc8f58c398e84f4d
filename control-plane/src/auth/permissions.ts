import { and, eq } from 'drizzle-orm';
import {
  forbidden,
  roleAtLeast,
  type ExecScope,
  type Role,
  type RunTokenScope,
  type TokenScope,
} from '@openase/shared';
import { projectRoles } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor } from '../kernel/context.js';

const ASK: Record<Role, string> = {
  owner: 'an organization owner',
  admin: 'an organization admin',
  member: 'an organization admin for the member role',
  viewer: 'an organization admin',
};

/**
 * Refuses unless `role` (the actor's, or theirs in a project) is at least `min`; `what` completes "you cannot …".
 * A role that is not the organization's is a project role: the refusal says so and who can change it.
 */
export function requireRole(
  actor: Actor,
  min: Role,
  what: string,
  role: Role = actor.role,
  inProject = role !== actor.role,
): void {
  if (!roleAtLeast(role, min)) {
    if (min === 'owner') throw forbidden(`only an owner can ${what}; ask ${ASK[min]}`);
    if (role !== actor.role)
      throw forbidden(
        `your role in this project (${role}) cannot ${what}; ask a project admin or an organization admin`,
      );
    // Work inside one project: a role in that project is enough, and is what to ask for first.
    if (inProject)
      throw forbidden(
        `your role (${role}) cannot ${what}; ask an organization admin for the ${min} role in this project (or in the organization)`,
      );
    throw forbidden(`your role (${role}) cannot ${what}; ask ${ASK[min]}`);
  }
}

/**
 * A person's role in one project: their project role when one is set, otherwise their organization role.
 * Owners and admins keep theirs everywhere. Cached on the actor for the rest of the request.
 */
export async function roleInProject(db: DbOrTx, actor: Actor, projectId: string): Promise<Role> {
  if (!actor.userId || actor.type !== 'user' || roleAtLeast(actor.role, 'admin')) return actor.role;
  actor.projectRoles ??= {};
  if (!(projectId in actor.projectRoles)) {
    const [row] = await db
      .select({ role: projectRoles.role })
      .from(projectRoles)
      .where(and(eq(projectRoles.projectId, projectId), eq(projectRoles.userId, actor.userId)));
    actor.projectRoles[projectId] = row?.role ?? null;
  }
  return actor.projectRoles[projectId] ?? actor.role;
}

/**
 * The first of two checks for work inside one project: refuses at once (before anything is looked up) unless the
 * actor holds `min` somewhere, in the organization or in some project. `requireRoleIn` then checks the project.
 */
export async function requireRoleSomewhere(db: DbOrTx, actor: Actor, min: Role, what: string): Promise<void> {
  if (roleAtLeast(actor.role, min) || !actor.userId || actor.type !== 'user') return requireRole(actor, min, what);
  const best = await highestRole(db, actor);
  if (!roleAtLeast(best, min)) throw forbidden(`${yourRoles(actor, best)} cannot ${what}; ask ${ASK[min]}`);
}

/**
 * "your role (viewer)", or both roles when a project role is higher ("your roles (viewer in the organization,
 * member in a project)"): a walkthrough's viewer who was a member of one project was told "your role (member)".
 */
function yourRoles(actor: Actor, best: Role): string {
  return best === actor.role
    ? `your role (${best})`
    : `your roles (${actor.role} in the organization, ${best} in a project)`;
}

/** The highest role a person holds anywhere: in the organization or in some project. */
export async function highestRole(db: DbOrTx, actor: Actor): Promise<Role> {
  if (!actor.userId || actor.type !== 'user') return actor.role;
  const rows = await db
    .select({ role: projectRoles.role })
    .from(projectRoles)
    .where(eq(projectRoles.userId, actor.userId));
  return rows.map((r) => r.role as Role).reduce((a, b) => (roleAtLeast(b, a) ? b : a), actor.role);
}

/** Refuses unless the actor's role in the project (auth/permissions `roleInProject`) is at least `min`. */
export async function requireRoleIn(db: DbOrTx, actor: Actor, projectId: string, min: Role, what: string) {
  requireRole(actor, min, what, await roleInProject(db, actor, projectId), true);
}

const hasScope = (actor: Actor, scope: TokenScope) =>
  !actor.scopes || actor.scopes.includes('admin') || actor.scopes.includes(scope);

/**
 * Refuses unless the actor's token (if any) carries `scope`. Sessions carry every scope. `best`: the highest role
 * the person holds anywhere (`highestRole`), which decides the scopes they may put on a token (tokens.ts).
 */
export function requireScope(actor: Actor, scope: TokenScope, best: Role = actor.role): void {
  if (hasScope(actor, scope)) return;
  const lacks = `this API token lacks the "${scope}" scope (it has: ${actor.scopes!.join(', ') || 'none'})`;
  // Advice only a person who may hold the scope can follow (tokens.ts: write needs member, the rest admin).
  const needs: Role = scope === 'read' ? 'viewer' : scope === 'write' ? 'member' : 'admin';
  if (!roleAtLeast(best, needs))
    throw forbidden(`${lacks}, and ${yourRoles(actor, best)} cannot have it; ask ${ASK[needs]}`);
  throw forbidden(`${lacks}; ${WIDER_TOKEN}`);
}

/**
 * How to get a token with more than this one: not `openase token create` with it (a token makes only tokens within
 * its scopes, tokens.ts), nor `openase auth signin-link` (a session carries the role's full power). A walkthrough's
 * viewer, made a project member, was sent to `openase token create --scopes write`, which refused, and from there
 * "to the console", which the token could not open either.
 */
export const WIDER_TOKEN =
  'a token cannot give itself more: create one in the console (API tokens) and use it with `openase login`; ' +
  'no console session? an admin makes you a one-time link with `openase auth signin-link --for YOUR-EMAIL`';

/** `requireScope` with the advice from the person's highest role anywhere (looked up only when refusing). */
export async function requireScopeOf(db: DbOrTx, actor: Actor, scope: TokenScope): Promise<void> {
  if (!hasScope(actor, scope)) requireScope(actor, scope, await highestRole(db, actor));
}

/**
 * Privilege follows the action: a person (session or API token) needs `min`; an agent (run or chat token)
 * needs `scope` in its grant instead of a role — the workflow's `scopes:` or the project's Project-AI
 * scopes, which only admins write — so an agent can do an admin's action only when an admin granted it.
 */
export function requireRoleOrGrant(actor: Actor, min: Role, scope: RunTokenScope, what: string): void {
  if (!actor.run) return requireRole(actor, min, what);
  if (actor.run.scopes.includes(scope)) return;
  throw forbidden(`an agent cannot ${what}: its grant lacks the "${scope}" scope, which only an admin can give`);
}

/** `requireRoleOrGrant` in one project: a person's role there (`requireRoleIn`), or an agent's grant. */
export async function requireRoleOrGrantIn(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  need: { min: Role; what: string; grant?: RunTokenScope },
): Promise<void> {
  if (actor.run && need.grant) return requireRoleOrGrant(actor, need.min, need.grant, need.what);
  await requireRoleIn(db, actor, projectId, need.min, need.what);
}

/**
 * Code execution on a machine (starting a plain command, changing what hooks run): a person needs
 * the admin role and, with an API token, the dedicated scope (or `admin`); an agent needs the
 * scope in its run grant, which only a project admin can put there (harness scopes, Project-AI scopes).
 */
export function requireExec(actor: Actor, scope: ExecScope, what: string): void {
  if (actor.run) {
    if (actor.run.scopes.includes(scope)) return;
    throw forbidden(
      `an agent cannot ${what}: it runs code on machines and needs the "${scope}" scope, which only a project admin can grant`,
    );
  }
  requireRole(actor, 'admin', `${what} (it runs code on machines)`);
  requireScope(actor, scope);
}

/** The actor for a signed-in user of an organization (session or API token). */
export function userActor(
  user: { id: string; name: string },
  orgId: string,
  role: string,
  token?: { id: string; scopes: string[] },
): Actor {
  return {
    type: 'user',
    id: user.id,
    name: user.name,
    orgId,
    userId: user.id,
    role: role as Role,
    ...(token ? { scopes: token.scopes as TokenScope[], tokenId: token.id } : {}),
  };
}
