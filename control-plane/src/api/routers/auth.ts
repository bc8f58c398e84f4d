import { tokenCreateInput, tokenRevokeInput } from '@openase/shared';
import { createSignInLink } from '../../auth/sessions.js';
import { createToken, listTokens, revokeToken } from '../../auth/tokens.js';
import { requireRole } from '../../auth/permissions.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

export const authRouter = router({
  whoami: readProcedure.query(({ ctx }) => ({
    id: ctx.actor.id,
    name: ctx.actor.name,
    role: ctx.actor.role,
    orgId: ctx.actor.orgId,
    scopes: ctx.actor.scopes ?? null,
    via: ctx.actor.tokenId ? ('token' as const) : ('session' as const),
  })),
  /** A fresh one-time sign-in link for the calling admin (e.g. to open the console on another browser). */
  createSignInLink: adminProcedure.mutation(async ({ ctx }) => {
    requireRole(ctx.actor, 'admin', 'create sign-in links');
    return createSignInLink(ctx.deps.db, ctx.deps, ctx.actor.userId!);
  }),
});

export const tokensRouter = router({
  list: adminProcedure.query(({ ctx }) => listTokens(ctx.deps.db, ctx.actor)),
  create: adminProcedure.input(tokenCreateInput).mutation(({ ctx, input }) => createToken(ctx.deps, ctx.actor, input)),
  revoke: adminProcedure
    .input(tokenRevokeInput)
    .mutation(({ ctx, input }) => revokeToken(ctx.deps, ctx.actor, input.id)),
});
