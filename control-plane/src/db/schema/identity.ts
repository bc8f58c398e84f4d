/**
 * The instance's facts, organizations, people and how they sign in: users, memberships and per-project roles,
 * invitations, API tokens, browser sessions, sign-in links, single sign-on (OIDC) settings, identities and pending
 * logins.
 */
import { type AnyPgColumn, boolean, index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { OIDC_NEW_USERS, OIDC_STATES, PROJECT_ROLES, ROLES } from '@openase/shared';
import { createdAt, tstz, updatedAt, uuidId, cascadeRef, credentialRow, ownerColumn } from './columns.js';
import { projects } from './projects.js';

/**
 * Facts about the whole instance, one row each. `secret_key`: the fingerprint of the secret.key the stored
 * secrets are encrypted under, so a replica started with another key is refused (secrets/key-check.ts).
 */
export const instanceFacts = pgTable('instance_facts', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  updatedAt: updatedAt(),
});

export const organizations = pgTable('organizations', {
  id: uuidId(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  createdAt: createdAt(),
});

export const users = pgTable('users', {
  id: uuidId(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  /** A deactivated person cannot sign in; their sessions and tokens were revoked with it. */
  deactivatedAt: tstz('deactivated_at'),
});

/** A person's place in an organization or a project: the scope under `scope` and the person, deleted with either. */
const personLink = <K extends string>(scope: K, owner: () => AnyPgColumn) => ({
  ...ownerColumn(scope, owner),
  userId: cascadeRef('user_id', () => users.id),
});

export const memberships = pgTable(
  'memberships',
  {
    ...personLink('orgId', () => organizations.id),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('memberships_org_user').on(t.orgId, t.userId)],
);

/** A person's role in one project, replacing their organization role there (not for owners and admins). */
export const projectRoles = pgTable(
  'project_roles',
  {
    ...personLink('projectId', () => projects.id),
    role: text('role', { enum: PROJECT_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_roles_user').on(t.userId)],
);

/** Invitation links `oin_<id>_<secret>`: one-time, expiring, revocable; only the secret's SHA-256 is stored. */
export const invitations = pgTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    orgId: cascadeRef('org_id', () => organizations.id),
    email: text('email'),
    role: text('role', { enum: ['admin', 'member', 'viewer'] }).notNull(),
    secretHash: text('secret_hash').notNull(),
    invitedById: uuid('invited_by_id').references(() => users.id, { onDelete: 'set null' }),
    invitedByName: text('invited_by_name').notNull(),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    acceptedAt: tstz('accepted_at'),
    acceptedById: uuid('accepted_by_id').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [index('invitations_org').on(t.orgId)],
);

/** API tokens `oat_<id>_<secret>`: only the SHA-256 of the secret is stored. */
export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: cascadeRef('user_id', () => users.id),
  name: text('name').notNull(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes').array().notNull(),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at'),
  revokedAt: tstz('revoked_at'),
  lastUsedAt: tstz('last_used_at'),
});

/** Browser sessions (httpOnly cookie `oas_<id>_<secret>`) and their CSRF secret. */
export const sessions = pgTable('sessions', {
  ...credentialRow('userId', () => users.id),
  csrfToken: text('csrf_token').notNull(),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at').notNull(),
  revokedAt: tstz('revoked_at'),
});

/** One-time sign-in links `osl_<id>_<secret>`, printed by the server for a user. */
export const signInLinks = pgTable('sign_in_links', {
  ...credentialRow('userId', () => users.id),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at').notNull(),
  usedAt: tstz('used_at'),
});

/** Single sign-on settings per organization: draft → tested → enabled; `openase auth break-glass` turns it off. */
export const authSettings = pgTable('auth_settings', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  oidcState: text('oidc_state', { enum: OIDC_STATES }).notNull().default('off'),
  issuer: text('issuer'),
  clientId: text('client_id'),
  /** Encrypted with the instance's secret key (secrets/cipher.ts). */
  clientSecretEnc: text('client_secret_enc'),
  scopes: text('scopes').array().notNull(),
  allowedDomains: text('allowed_domains').array().notNull(),
  newUsers: text('new_users', { enum: OIDC_NEW_USERS }).notNull().default('invite-only'),
  testedAt: tstz('tested_at'),
  testedBy: text('tested_by'),
  updatedAt: updatedAt(),
});

/** Which OIDC subject is which person. */
export const userIdentities = pgTable(
  'user_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: cascadeRef('user_id', () => users.id),
    createdAt: createdAt(),
    lastSignInAt: tstz('last_sign_in_at'),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.subject] }), index('user_identities_user').on(t.userId)],
);

/** An OIDC sign-in in flight: the state, PKCE verifier and nonce, used once. */
export const oidcLogins = pgTable('oidc_logins', {
  state: text('state').primaryKey(),
  orgId: uuid('org_id').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  /** The callback URL sent to the provider; the code exchange must repeat it. */
  redirectUri: text('redirect_uri').notNull(),
  /** A test sign-in of a draft configuration (by an owner), not a real one. */
  test: boolean('test').notNull().default(false),
  returnTo: text('return_to'),
  /** The invitation being accepted with this sign-in, if any. */
  invitationCode: text('invitation_code'),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at').notNull(),
  usedAt: tstz('used_at'),
});
