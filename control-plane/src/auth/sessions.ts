/**
 * Browser sign-in: a one-time link (printed by the server, or created by an admin), an accepted invitation or
 * an OIDC sign-in becomes a session. The session secret travels in an httpOnly cookie; state-changing requests
 * must also echo the session's CSRF token in a header (double submit), which a cross-site form cannot do.
 */
import { eq, isNull } from 'drizzle-orm';
import { unauthorized } from '@openase/shared';
import { userActor } from './permissions.js';
import { sessions, signInLinks, users } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertWithSecret, parseSecret, secretMatches } from './secrets.js';
import { findUserSecretRow } from './user-secrets.js';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
export const SIGN_IN_LINK_TTL_MS = 24 * 3600 * 1000;

export interface NewSession {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  userId: string;
}

export const DEACTIVATED_MESSAGE = 'Your account has been deactivated; ask an organization admin to reactivate it';

export async function createSignInLink(
  db: DbOrTx,
  deps: Pick<Deps, 'ids' | 'clock'>,
  userId: string,
): Promise<{ code: string; expiresAt: Date }> {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
  const { token } = await insertWithSecret(db, deps.ids, 'osl', signInLinks, { userId, createdAt: now, expiresAt });
  return { code: token, expiresAt };
}

/** Starts a browser session for a person (after they proved who they are). */
export async function createSession(tx: Tx, deps: Pick<Deps, 'ids' | 'clock'>, userId: string): Promise<NewSession> {
  const csrfToken = deps.ids.secret(24);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const values = { userId, csrfToken, createdAt: now, expiresAt };
  const { token } = await insertWithSecret(tx, deps.ids, 'oas', sessions, values);
  return { sessionToken: token, csrfToken, expiresAt, userId };
}

const ASK_FOR_LINK = 'ask an admin for a new one';

/** Redeems a sign-in code once; returns the new session's cookie value and CSRF token. */
export async function redeemSignInLink(deps: Deps, code: string): Promise<NewSession> {
  const parsed = parseSecret(code, 'osl');
  if (!parsed) throw unauthorized(`This sign-in link is malformed; ${ASK_FOR_LINK}`);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ link: signInLinks, deactivatedAt: users.deactivatedAt })
      .from(signInLinks)
      .innerJoin(users, eq(users.id, signInLinks.userId))
      .where(eq(signInLinks.id, parsed.id))
      .for('update', { of: signInLinks });
    const now = deps.clock.now();
    const link = row?.link;
    if (!link || !secretMatches(parsed.secret, link.secretHash)) throw unauthorized('This sign-in link is not valid');
    if (link.usedAt) throw unauthorized(`This sign-in link has already been used; ${ASK_FOR_LINK}`);
    if (link.expiresAt <= now) throw unauthorized(`This sign-in link has expired; ${ASK_FOR_LINK}`);
    if (row.deactivatedAt) throw unauthorized(DEACTIVATED_MESSAGE);
    await tx.update(signInLinks).set({ usedAt: now }).where(eq(signInLinks.id, link.id));
    return createSession(tx, deps, link.userId);
  });
}

/** The user a sign-in link belongs to, when the code is well-formed (for the audit entry of a failure). */
export async function signInLinkUser(db: DbOrTx, code: string): Promise<{ id: string; name: string } | null> {
  const parsed = parseSecret(code, 'osl');
  if (!parsed) return null;
  const [row] = await db
    .select({ id: users.id, name: users.name })
    .from(signInLinks)
    .innerJoin(users, eq(users.id, signInLinks.userId))
    .where(eq(signInLinks.id, parsed.id));
  return row ?? null;
}

export async function authenticateSession(
  deps: Pick<Deps, 'db' | 'clock'>,
  sessionToken: string,
): Promise<{ actor: Actor; csrfToken: string; sessionId: string }> {
  const parsed = parseSecret(sessionToken, 'oas');
  if (!parsed) throw unauthorized('your session is not valid; sign in again');
  const found = await findUserSecretRow(deps.db, sessions, parsed, isNull(sessions.revokedAt));
  if (!found) throw unauthorized('your session is not valid; sign in again');
  const { row: session, user } = found;
  if (session.expiresAt <= deps.clock.now()) throw unauthorized('your session has expired; sign in again');
  if (user.deactivatedAt) throw unauthorized(DEACTIVATED_MESSAGE);
  return { actor: userActor(user, found.orgId, found.role), csrfToken: session.csrfToken, sessionId: session.id };
}

export async function revokeSession(deps: Pick<Deps, 'db' | 'clock'>, sessionId: string): Promise<void> {
  await deps.db.update(sessions).set({ revokedAt: deps.clock.now() }).where(eq(sessions.id, sessionId));
}
