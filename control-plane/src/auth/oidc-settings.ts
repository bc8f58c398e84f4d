/**
 * Single sign-on settings, owned by the organization's owners: save a draft, test it with a real sign-in, then
 * enable it. Saving changes puts it back to draft (people sign in with links until it is tested and enabled
 * again). `openase auth break-glass` on the server host turns it off without signing in.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { conflict, oidcConfigInput, type OidcState } from '@openase/shared';
import { authSettings, memberships, users } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { allowedInput } from './project-write.js';
import { requireRole } from './permissions.js';
import { createSignInLink } from './sessions.js';

export type AuthSettingsRow = typeof authSettings.$inferSelect;

export interface AuthSettingsView {
  oidc: {
    state: OidcState;
    issuer: string | null;
    clientId: string | null;
    hasClientSecret: boolean;
    scopes: string[];
    allowedDomains: string[];
    newUsers: AuthSettingsRow['newUsers'];
    testedAt: Date | null;
    testedBy: string | null;
  };
  /** How people sign in to the console now. */
  signIn: 'link' | 'oidc';
}

const DEFAULTS = (orgId: string, now: Date): AuthSettingsRow => ({
  orgId,
  oidcState: 'off',
  issuer: null,
  clientId: null,
  clientSecretEnc: null,
  scopes: ['openid', 'email', 'profile'],
  allowedDomains: [],
  newUsers: 'invite-only',
  testedAt: null,
  testedBy: null,
  updatedAt: now,
});

export async function loadAuthSettings(db: DbOrTx, orgId: string): Promise<AuthSettingsRow> {
  const [row] = await db.select().from(authSettings).where(eq(authSettings.orgId, orgId));
  return row ?? DEFAULTS(orgId, new Date(0));
}

export function settingsView(row: AuthSettingsRow): AuthSettingsView {
  return {
    oidc: {
      state: row.oidcState,
      issuer: row.issuer,
      clientId: row.clientId,
      hasClientSecret: !!row.clientSecretEnc,
      scopes: row.scopes,
      allowedDomains: row.allowedDomains,
      newUsers: row.newUsers,
      testedAt: row.testedAt,
      testedBy: row.testedBy,
    },
    signIn: row.oidcState === 'enabled' ? 'oidc' : 'link',
  };
}

/** Issuers must use https, except on this host (a provider on loopback for development and tests). */
export function checkIssuer(issuer: string): URL {
  const url = new URL(issuer);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw conflict(`The issuer must use https:// (got ${url.protocol}//${url.host})`);
  return url;
}

async function write(
  tx: Tx,
  deps: Deps,
  orgId: string,
  patch: Partial<AuthSettingsRow>,
): Promise<{ before: AuthSettingsRow; after: AuthSettingsRow }> {
  const before = await loadAuthSettings(tx, orgId);
  const after: AuthSettingsRow = { ...before, ...patch, orgId, updatedAt: deps.clock.now() };
  await tx.insert(authSettings).values(after).onConflictDoUpdate({ target: authSettings.orgId, set: after });
  return { before, after };
}

function audited(row: AuthSettingsRow) {
  const { clientSecretEnc, ...rest } = row;
  return { ...rest, clientSecret: clientSecretEnc ? '(set)' : null };
}

export const saveOidcDraft: Command<typeof oidcConfigInput, AuthSettingsView> = async (deps, actor, raw) => {
  const input = allowedInput(actor, 'owner', 'change single sign-on settings', oidcConfigInput, raw);
  checkIssuer(input.issuer);
  return inTransaction(deps, async (tx, changes) => {
    const { before, after } = await write(tx, deps, actor.orgId, {
      oidcState: 'draft',
      issuer: input.issuer.replace(/\/+$/, ''),
      clientId: input.clientId,
      ...(input.clientSecret !== undefined ? { clientSecretEnc: deps.secrets.encrypt(input.clientSecret) } : {}),
      scopes: [...new Set(['openid', ...input.scopes])],
      allowedDomains: [...new Set(input.allowedDomains)],
      newUsers: input.newUsers,
      testedAt: null,
      testedBy: null,
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'settings.oidc_saved',
      entityType: 'auth_settings',
      entityId: actor.orgId,
      summary:
        before.oidcState === 'enabled'
          ? 'changed the single sign-on settings; sign-in is back to one-time links until they are tested and enabled'
          : 'saved a single sign-on draft (test it with a sign-in, then enable it)',
      before: audited(before),
      after: audited(after),
    });
    return settingsView(after);
  });
};

/** Called by a successful test sign-in of the draft. */
export async function markOidcTested(deps: Deps, orgId: string, testedBy: string): Promise<void> {
  await inTransaction(deps, async (tx, changes) => {
    const current = await loadAuthSettings(tx, orgId);
    if (current.oidcState !== 'draft' && current.oidcState !== 'tested') return;
    await write(tx, deps, orgId, { oidcState: 'tested', testedAt: deps.clock.now(), testedBy });
    const actor: Actor = { type: 'user', id: testedBy, name: testedBy, orgId, role: 'viewer' };
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'settings.oidc_tested',
      entityType: 'auth_settings',
      entityId: orgId,
      summary: `a test sign-in with single sign-on succeeded as ${testedBy}; it can be enabled now`,
    });
  });
}

export async function setOidcEnabled(deps: Deps, actor: Actor, enabled: boolean): Promise<AuthSettingsView> {
  requireRole(actor, 'owner', enabled ? 'enable single sign-on' : 'disable single sign-on');
  return inTransaction(deps, async (tx, changes) => {
    const current = await loadAuthSettings(tx, actor.orgId);
    if (enabled && current.oidcState === 'enabled') return settingsView(current);
    if (enabled && current.oidcState !== 'tested')
      throw conflict(
        current.oidcState === 'off'
          ? 'single sign-on is not configured yet: save the provider settings first'
          : 'test the single sign-on settings with a sign-in first (Settings → Sign-in → Test sign-in)',
      );
    if (!enabled && current.oidcState !== 'enabled') return settingsView(current);
    const { after } = await write(tx, deps, actor.orgId, { oidcState: enabled ? 'enabled' : 'tested' });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: enabled ? 'settings.oidc_enabled' : 'settings.oidc_disabled',
      entityType: 'auth_settings',
      entityId: actor.orgId,
      summary: enabled
        ? `enabled single sign-on with ${current.issuer}; one-time sign-in links no longer work`
        : 'disabled single sign-on; people sign in with one-time links again',
    });
    return settingsView(after);
  });
}

/**
 * `openase auth break-glass`: from the server host, back to link sign-in whatever the settings say, with a
 * one-time sign-in link for the longest-standing active owner.
 */
export async function breakGlass(
  deps: Deps,
  orgId: string,
  hostUser: string,
): Promise<{ turnedOff: boolean; owner: string; code: string }> {
  return inTransaction(deps, async (tx, changes) => {
    const [owner] = await tx
      .select({ id: users.id, name: users.name })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner'), isNull(users.deactivatedAt)))
      .orderBy(asc(memberships.createdAt))
      .limit(1);
    if (!owner) throw conflict('the organization has no active owner');
    const link = await createSignInLink(tx, deps, owner.id);
    const current = await loadAuthSettings(tx, orgId);
    if (current.oidcState !== 'enabled') return { turnedOff: false, owner: owner.name, code: link.code };
    await write(tx, deps, orgId, { oidcState: 'draft', testedAt: null, testedBy: null });
    const actor: Actor = { type: 'system', id: 'break-glass', name: `break-glass (${hostUser})`, orgId, role: 'owner' };
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'settings.oidc_break_glass',
      entityType: 'auth_settings',
      entityId: orgId,
      summary: `turned single sign-on off from the server host (${hostUser}); one-time sign-in links work again`,
    });
    return { turnedOff: true, owner: owner.name, code: link.code };
  });
}
