import { z } from 'zod';
import {
  auditListInput,
  invitationCreateInput,
  invitationRefInput,
  memberRefInput,
  memberRoleInput,
  memberUpdateProfileInput,
  oidcConfigInput,
  projectRoleInput,
} from '@openase/shared';
import {
  listMembers,
  setMemberActive,
  setMemberRole,
  setProjectRole,
  showMember,
  updateOwnName,
} from '../../auth/members.js';
import { createInvitation, listInvitations, revokeInvitation } from '../../auth/invitations.js';
import { loadAuthSettings, saveOidcDraft, setOidcEnabled, settingsView } from '../../auth/oidc-settings.js';
import { requireRole } from '../../auth/permissions.js';
import { listAudit } from '../../activity/audit.js';
import { adminProcedure, readProcedure, router, writeProcedure } from '../trpc.js';

export const membersRouter = router({
  list: readProcedure.query(({ ctx }) => listMembers(ctx.deps.db, ctx.actor.orgId)),
  show: readProcedure
    .input(memberRefInput)
    .query(({ ctx, input }) => showMember(ctx.deps.db, ctx.actor.orgId, input.user)),
  setRole: adminProcedure
    .input(memberRoleInput)
    .mutation(({ ctx, input }) => setMemberRole(ctx.deps, ctx.actor, input)),
  setProjectRole: adminProcedure
    .input(projectRoleInput)
    .mutation(({ ctx, input }) => setProjectRole(ctx.deps, ctx.actor, input)),
  deactivate: adminProcedure
    .input(memberRefInput)
    .mutation(({ ctx, input }) => setMemberActive(ctx.deps, ctx.actor, input.user, false)),
  reactivate: adminProcedure
    .input(memberRefInput)
    .mutation(({ ctx, input }) => setMemberActive(ctx.deps, ctx.actor, input.user, true)),
  /** One's own display name. */
  rename: writeProcedure
    .input(memberUpdateProfileInput)
    .mutation(({ ctx, input }) => updateOwnName(ctx.deps, ctx.actor, input.name)),
});

export const invitationsRouter = router({
  list: adminProcedure.query(({ ctx }) => listInvitations(ctx.deps.db, ctx.actor, ctx.deps.clock.now())),
  create: adminProcedure
    .input(invitationCreateInput)
    .mutation(({ ctx, input }) => createInvitation(ctx.deps, ctx.actor, input)),
  revoke: adminProcedure
    .input(invitationRefInput)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.deps, ctx.actor, input.id)),
});

export const authSettingsRouter = router({
  get: readProcedure.query(async ({ ctx }) => settingsView(await loadAuthSettings(ctx.deps.db, ctx.actor.orgId))),
  saveOidc: adminProcedure
    .input(oidcConfigInput)
    .mutation(({ ctx, input }) => saveOidcDraft(ctx.deps, ctx.actor, input)),
  setOidcEnabled: adminProcedure
    .input(z.object({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setOidcEnabled(ctx.deps, ctx.actor, input.enabled)),
});

export const auditRouter = router({
  list: readProcedure.input(auditListInput).query(({ ctx, input }) => {
    requireRole(ctx.actor, 'admin', 'read the audit trail');
    return listAudit(ctx.deps.db, ctx.actor, input);
  }),
});
