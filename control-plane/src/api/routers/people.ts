import { API } from '@openase/shared';
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
import { proc, router } from '../trpc.js';

export const membersRouter = router({
  list: proc(API.members.list).query(({ ctx }) => listMembers(ctx.deps.db, ctx.actor.orgId)),
  show: proc(API.members.show).query(({ ctx, input }) => showMember(ctx.deps.db, ctx.actor.orgId, input.user)),
  setRole: proc(API.members.setRole).mutation(({ ctx, input }) => setMemberRole(ctx.deps, ctx.actor, input)),
  setProjectRole: proc(API.members.setProjectRole).mutation(({ ctx, input }) =>
    setProjectRole(ctx.deps, ctx.actor, input),
  ),
  deactivate: proc(API.members.deactivate).mutation(({ ctx, input }) =>
    setMemberActive(ctx.deps, ctx.actor, input.user, false),
  ),
  reactivate: proc(API.members.reactivate).mutation(({ ctx, input }) =>
    setMemberActive(ctx.deps, ctx.actor, input.user, true),
  ),
  /** One's own display name. */
  rename: proc(API.members.rename).mutation(({ ctx, input }) => updateOwnName(ctx.deps, ctx.actor, input.name)),
});

export const invitationsRouter = router({
  list: proc(API.invitations.list).query(({ ctx }) => listInvitations(ctx.deps.db, ctx.actor, ctx.deps.clock.now())),
  create: proc(API.invitations.create).mutation(({ ctx, input }) => createInvitation(ctx.deps, ctx.actor, input)),
  revoke: proc(API.invitations.revoke).mutation(({ ctx, input }) => revokeInvitation(ctx.deps, ctx.actor, input.id)),
});

export const authSettingsRouter = router({
  get: proc(API.authSettings.get).query(async ({ ctx }) =>
    settingsView(await loadAuthSettings(ctx.deps.db, ctx.actor.orgId)),
  ),
  saveOidc: proc(API.authSettings.saveOidc).mutation(({ ctx, input }) => saveOidcDraft(ctx.deps, ctx.actor, input)),
  setOidcEnabled: proc(API.authSettings.setOidcEnabled).mutation(({ ctx, input }) =>
    setOidcEnabled(ctx.deps, ctx.actor, input.enabled),
  ),
});

export const auditRouter = router({
  list: proc(API.audit.list).query(({ ctx, input }) => {
    requireRole(ctx.actor, 'admin', 'read the audit trail');
    return listAudit(ctx.deps.db, ctx.actor, input);
  }),
});
