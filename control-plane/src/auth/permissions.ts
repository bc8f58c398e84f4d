import { forbidden, type Role, type TokenScope } from '@openase/shared';
import type { Actor } from '../kernel/context.js';

const ROLE_RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2 };

/** Refuses unless the actor's role is at least `min`; `what` completes "you cannot …". */
export function requireRole(actor: Actor, min: Role, what: string): void {
  if (ROLE_RANK[actor.role] < ROLE_RANK[min]) {
    throw forbidden(`your role (${actor.role}) cannot ${what}; ask an organization admin for the ${min} role`);
  }
}

/** Refuses unless the actor's token (if any) carries `scope`. Sessions carry every scope. */
export function requireScope(actor: Actor, scope: TokenScope): void {
  if (!actor.scopes) return;
  if (actor.scopes.includes('admin') || actor.scopes.includes(scope)) return;
  throw forbidden(
    `this API token lacks the "${scope}" scope (it has: ${actor.scopes.join(', ') || 'none'}); create one with \`openase token create --scopes ${scope}\``,
  );
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
