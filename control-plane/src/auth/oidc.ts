/**
 * Single sign-on with OpenID Connect: authorization code flow with PKCE, state and nonce, through
 * `openid-client`. Discovery and the provider's keys (JWKS) are read fresh for each sign-in, so a key rotation
 * at the provider needs nothing here; ID token signatures are checked even though the token comes straight
 * from the token endpoint. A person is found by their identity (issuer + subject), then by verified email;
 * otherwise an invitation being accepted, or just-in-time creation into the default role, makes them a member.
 */
import { and, eq } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { conflict, forbidden, OpenaseError } from '@openase/shared';
import { oidcLogins, userIdentities, users } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { acceptInvitation } from './invitations.js';
import { addPerson } from './members.js';
import { checkIssuer, loadAuthSettings, markOidcTested, type AuthSettingsRow } from './oidc-settings.js';
import { createSession, DEACTIVATED_MESSAGE, type NewSession } from './sessions.js';

/** A sign-in must come back from the provider within this time. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

/** A refused sign-in; `details` name who tried (and the person, when known) for the audit entry. */
const refused = (message: string, who?: string, user?: { id: string; name: string }) =>
  new OpenaseError('UNAUTHORIZED', message, { ...(who ? { who } : {}), ...(user ? { user } : {}) });

async function configFor(deps: Deps, settings: AuthSettingsRow): Promise<oidc.Configuration> {
  if (!settings.issuer || !settings.clientId) throw conflict('Single sign-on is not configured');
  const issuer = checkIssuer(settings.issuer);
  const secret = settings.clientSecretEnc ? deps.secrets.decrypt(settings.clientSecretEnc) : undefined;
  try {
    return await oidc.discovery(
      issuer,
      settings.clientId,
      secret,
      secret ? oidc.ClientSecretBasic(secret) : oidc.None(),
      {
        execute: [
          oidc.enableNonRepudiationChecks,
          ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : []),
        ],
        timeout: 15,
      },
    );
  } catch (err) {
    throw new OpenaseError(
      'BAD_REQUEST',
      `Could not read the identity provider's configuration at ${issuer.href}: ${(err as Error).message}`,
    );
  }
}

export interface OidcStart {
  orgId: string;
  /** Absolute callback URL of this control plane (…/auth/oidc/callback), registered at the provider. */
  redirectUri: string;
  /** A test of the saved draft by an owner: checks the whole flow, signs nobody in. */
  test?: boolean;
  invitationCode?: string;
  returnTo?: string;
}

/** Returns the provider URL to send the browser to. */
export async function startOidcSignIn(deps: Deps, start: OidcStart): Promise<URL> {
  const settings = await loadAuthSettings(deps.db, start.orgId);
  if (start.test ? settings.oidcState === 'off' : settings.oidcState !== 'enabled')
    throw conflict(
      start.test
        ? 'Save the single sign-on settings before testing them'
        : 'Single sign-on is not enabled here; sign in with a one-time link',
    );
  const config = await configFor(deps, settings);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const now = deps.clock.now();
  await deps.db.insert(oidcLogins).values({
    state,
    orgId: start.orgId,
    codeVerifier,
    nonce,
    redirectUri: start.redirectUri,
    test: !!start.test,
    returnTo: start.returnTo ?? null,
    invitationCode: start.invitationCode ?? null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + OIDC_LOGIN_TTL_MS),
  });
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: start.redirectUri,
    scope: settings.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
}

export type OidcResult =
  | { kind: 'session'; session: NewSession; user: { id: string; name: string }; orgId: string; returnTo: string | null }
  | { kind: 'test'; orgId: string; email: string; subject: string };

/** Takes the state out of play before anything else, so a replayed callback finds nothing. */
async function consumeLogin(deps: Deps, state: string | null) {
  if (!state) throw refused('The identity provider sent no state; start the sign-in again');
  return deps.db.transaction(async (tx) => {
    const [login] = await tx.select().from(oidcLogins).where(eq(oidcLogins.state, state)).for('update');
    if (!login || login.usedAt)
      throw refused('This sign-in attempt is unknown or was already used (a replayed link?); start the sign-in again');
    await tx.update(oidcLogins).set({ usedAt: deps.clock.now() }).where(eq(oidcLogins.state, state));
    if (login.expiresAt <= deps.clock.now())
      throw refused('The sign-in took longer than 10 minutes; start the sign-in again');
    return login;
  });
}

/** The library's reasons, in words a person can act on. */
function explain(err: unknown): string {
  const text = err instanceof Error ? `${err.message} ${String((err.cause as Error)?.message ?? '')}` : String(err);
  if (/"aud"|audience/i.test(text)) return 'The identity token was issued for another application (wrong audience)';
  if (/"exp"|expired|expiration/i.test(text)) return 'The identity token has expired; check the clocks and try again';
  if (/"iss"|issuer/i.test(text)) return 'The identity token comes from a different issuer than configured';
  if (/nonce/i.test(text)) return 'The identity token does not belong to this sign-in (nonce mismatch)';
  if (/signature|key/i.test(text))
    return "The identity token's signature could not be verified with the provider's keys";
  if (/invalid_grant/i.test(text)) return 'The provider refused the sign-in code (used already, or expired)';
  return `The identity provider's answer was refused: ${err instanceof Error ? err.message : text}`;
}

export async function finishOidcSignIn(deps: Deps, query: URLSearchParams): Promise<OidcResult> {
  const login = await consumeLogin(deps, query.get('state'));
  if (query.get('error'))
    throw refused(`The identity provider refused: ${query.get('error_description') ?? query.get('error')}`);
  const settings = await loadAuthSettings(deps.db, login.orgId);
  const config = await configFor(deps, settings);
  const currentUrl = new URL(login.redirectUri);
  for (const [k, v] of query) currentUrl.searchParams.append(k, v);
  let claims: oidc.IDToken & Partial<oidc.UserInfoResponse>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims()!;
    // Many providers put email and name only in the userinfo answer, not in the ID token.
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint)
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
  } catch (err) {
    throw refused(explain(err));
  }
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : null;
  const who = email ?? `subject ${claims.sub}`;
  if (!email) throw refused('The identity provider did not share an email address (ask for the "email" scope)', who);
  if (claims.email_verified !== true)
    throw refused(`The identity provider has not verified ${email}; verify it there first`, who);
  const domain = email.split('@')[1] ?? '';
  const domainAllowed = settings.allowedDomains.length === 0 || settings.allowedDomains.includes(domain);
  if (login.test) {
    if (!domainAllowed) throw refused(`${domain} is not one of the allowed domains`, who);
    await markOidcTested(deps, login.orgId, email);
    return { kind: 'test', orgId: login.orgId, email, subject: claims.sub };
  }
  const name =
    (typeof claims.name === 'string' && claims.name.trim()) ||
    (typeof claims.preferred_username === 'string' && claims.preferred_username.trim()) ||
    email.split('@')[0]!;
  return inTransaction(deps, async (tx, changes) => {
    const issuer = settings.issuer!;
    const [known] = await tx
      .select({ user: users })
      .from(userIdentities)
      .innerJoin(users, eq(users.id, userIdentities.userId))
      .where(and(eq(userIdentities.issuer, issuer), eq(userIdentities.subject, claims.sub)));
    let user = known?.user ?? (await tx.select().from(users).where(eq(users.email, email)))[0];
    if (user?.deactivatedAt) throw refused(DEACTIVATED_MESSAGE, who, { id: user.id, name: user.name });
    if (!user && !login.invitationCode && !domainAllowed)
      throw refused(`${domain} is not one of the domains allowed to sign in here`, who);
    if (!user && login.invitationCode) {
      const accepted = await acceptInvitation(tx, deps, changes, { code: login.invitationCode, name, email });
      [user] = await tx.select().from(users).where(eq(users.id, accepted.id));
    }
    if (!user) {
      if (settings.newUsers === 'invite-only')
        throw refused(`${email} has not been invited here; ask an admin for an invitation`, who);
      const created = await addPerson(tx, deps, login.orgId, { email, name, role: settings.newUsers });
      [user] = await tx.select().from(users).where(eq(users.id, created.id));
    }
    if (!user) throw forbidden('The person could not be created');
    const now = deps.clock.now();
    await tx
      .insert(userIdentities)
      .values({ issuer, subject: claims.sub, userId: user.id, createdAt: now, lastSignInAt: now })
      .onConflictDoUpdate({ target: [userIdentities.issuer, userIdentities.subject], set: { lastSignInAt: now } });
    const session = await createSession(tx, deps, user.id);
    return {
      kind: 'session' as const,
      session,
      user: { id: user.id, name: user.name },
      orgId: login.orgId,
      returnTo: login.returnTo,
    };
  });
}
