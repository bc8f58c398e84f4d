import { API } from '@openase/shared';
import { forbidden, initialsOf, roleAtLeast, roleScopes } from '@openase/shared';
import { createSignInLink } from '../../auth/sessions.js';
import { projectRolesIn, signInLinkFor } from '../../auth/members.js';
import { createToken, listTokens, requireNoWidening, revokeToken } from '../../auth/tokens.js';
import { highestRole, requireScope } from '../../auth/permissions.js';
import { proc, router } from '../trpc.js';

export const authRouter = router({
  /** Who is calling, with the projects where their role differs from the organization's (the console's controls). */
  whoami: proc(API.auth.whoami).query(async ({ ctx }) => ({
    id: ctx.actor.id,
    name: ctx.actor.name,
    initials: initialsOf(ctx.actor.name),
    role: ctx.actor.role,
    orgId: ctx.actor.orgId,
    scopes: ctx.actor.scopes ?? null,
    via: ctx.actor.tokenId ? ('token' as const) : ('session' as const),
    // Owners and admins keep their role in every project (auth/permissions.ts roleInProject).
    projectRoles:
      ctx.actor.type === 'user' && ctx.actor.userId && !roleAtLeast(ctx.actor.role, 'admin')
        ? (await projectRolesIn(ctx.deps.db, ctx.actor.orgId, ctx.actor.userId)).map(({ userId: _, ...r }) => r)
        : [],
  })),
  /**
   * A fresh one-time sign-in link for oneself (e.g. to open the console in another browser) or, by an admin, for
   * another person who lost their way in (no session or token left, reactivated).
   */
  createSignInLink: proc(API.auth.createSignInLink).mutation(async ({ ctx, input }) => {
    if (ctx.actor.type !== 'user' || !ctx.actor.userId) throw forbidden('only a person can sign in to the console');
    if (input.for) {
      requireScope(ctx.actor, 'admin');
      return signInLinkFor(ctx.deps, ctx.actor, input.for);
    }
    // A session has the person's full power: only a token carrying all of it may open one.
    const best = await highestRole(ctx.deps.db, ctx.actor);
    requireNoWidening(ctx.actor, roleScopes(best), 'open a console session');
    return createSignInLink(ctx.deps.db, ctx.deps, ctx.actor.userId);
  }),
});

export const tokensRouter = router({
  /** One's own tokens; `all` (admins) lists everyone's. */
  list: proc(API.tokens.list).query(({ ctx, input }) => listTokens(ctx.deps.db, ctx.actor, input)),
  create: proc(API.tokens.create).mutation(({ ctx, input }) => createToken(ctx.deps, ctx.actor, input)),
  revoke: proc(API.tokens.revoke).mutation(({ ctx, input }) => revokeToken(ctx.deps, ctx.actor, input.id)),
});
