/** API tokens: created for a user with scopes, shown once, stored as a hash, revocable. */
import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import {
  EXEC_SCOPES,
  forbidden,
  notFound,
  roleAtLeast,
  tokenCreateInput,
  unauthorized,
  type TokenScope,
} from '@openase/shared';
import type { z } from 'zod';
import { apiTokens, users } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { WIDER_TOKEN, requireRole, requireRoleSomewhere, requireScope, userActor } from './permissions.js';
import { insertWithSecret, parseSecret } from './secrets.js';
import { findUserSecretRow } from './user-secrets.js';
import { DEACTIVATED_MESSAGE } from './sessions.js';

/**
 * Where a refused token's owner gets another: not `openase token create`, which needs a working token (it was the
 * advice, found wrong by the operations walkthrough); on the server's host a restart writes a new admin token.
 */
const ANOTHER_TOKEN =
  "create another in the console (API tokens) and `openase login` with it (on the server's host, restarting " +
  '`openase serve` writes a new admin token to its credentials file)';
export type ApiToken = typeof apiTokens.$inferSelect;
export type ApiTokenView = Omit<ApiToken, 'secretHash'>;

export function tokenView(t: ApiToken): ApiTokenView {
  const { secretHash: _hidden, ...view } = t;
  return view;
}

/** `last used` is written at most this often per token, so a busy token costs no write per request. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/** Creates a token for `userId` without permission checks (bootstrap and admin paths). */
export async function issueToken(
  db: DbOrTx,
  deps: Pick<Deps, 'ids' | 'clock'>,
  userId: string,
  spec: { name: string; scopes: TokenScope[]; expiresInSeconds?: number | undefined },
): Promise<{ token: string; record: ApiTokenView }> {
  const now = deps.clock.now();
  const { row, token } = await insertWithSecret(db, deps.ids, 'oat', apiTokens, {
    userId,
    name: spec.name,
    scopes: [...new Set(spec.scopes)],
    createdAt: now,
    expiresAt: spec.expiresInSeconds ? new Date(now.getTime() + spec.expiresInSeconds * 1000) : null,
  });
  return { token, record: tokenView(row) };
}

/**
 * A token makes nothing with more than it carries: a token only with scopes it has itself (or with `admin`), a
 * sign-in link (a session, with the role's full power) only when it carries all the person's role allows.
 */
export function requireNoWidening(actor: Actor, wanted: readonly TokenScope[], what: string): void {
  if (!actor.scopes || actor.scopes.includes('admin')) return;
  const missing = wanted.filter((s) => !actor.scopes!.includes(s));
  if (missing.length)
    throw forbidden(
      `this API token (scopes: ${actor.scopes.join(', ')}) cannot ${what}, which would carry ${missing.join(', ')} too; ` +
        WIDER_TOKEN,
    );
}

export async function createToken(deps: Deps, actor: Actor, raw: z.input<typeof tokenCreateInput>) {
  const input = tokenCreateInput.parse(raw);
  if (!actor.userId) throw unauthorized('only a signed-in user can create API tokens');
  // A token's scopes are capped by the highest role its person holds anywhere (a viewer who is a member of one project
  // writes there from the CLI too); every call still checks the role in its project.
  if (input.scopes.includes('admin')) await requireRoleSomewhere(deps.db, actor, 'admin', 'create admin-scoped tokens');
  if (input.scopes.includes('write'))
    await requireRoleSomewhere(deps.db, actor, 'member', 'create write-scoped tokens');
  for (const scope of EXEC_SCOPES)
    if (input.scopes.includes(scope)) requireRole(actor, 'admin', `create ${scope} tokens (code run on machines)`);
  // The role first (what the person may never have), then what this token may pass on.
  requireNoWidening(actor, input.scopes, 'create a token');
  return inTransaction(deps, async (tx, changes) => {
    const issued = await issueToken(tx, deps, actor.userId!, input);
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'token.created',
      entityType: 'api_token',
      entityId: issued.record.id,
      summary: `created API token ${input.name} (${input.scopes.join(', ')})`,
      after: { name: input.name, scopes: input.scopes, expiresAt: issued.record.expiresAt },
    });
    return issued;
  });
}

/** One's own tokens; an admin asking for `all` sees everyone's, with whose they are. */
export async function listTokens(
  db: DbOrTx,
  actor: Actor,
  opts: { all?: boolean } = {},
): Promise<Array<ApiTokenView & { userName: string }>> {
  requireScope(actor, opts.all ? 'admin' : 'read');
  if (!actor.userId) return [];
  if (opts.all) requireRole(actor, 'admin', "list other people's API tokens");
  const rows = await db
    .select({ token: apiTokens, userName: users.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(opts.all ? undefined : eq(apiTokens.userId, actor.userId))
    .orderBy(asc(apiTokens.createdAt));
  return rows.map((r) => ({ ...tokenView(r.token), userName: r.userName }));
}

export async function revokeToken(deps: Deps, actor: Actor, id: string): Promise<ApiTokenView> {
  requireScope(actor, 'admin');
  return inTransaction(deps, async (tx, changes) => {
    const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id));
    if (!token || (token.userId !== actor.userId && !roleAtLeast(actor.role, 'admin')))
      throw notFound(`API token ${id} does not exist`);
    if (token.revokedAt) return tokenView(token);
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: deps.clock.now() })
      .where(eq(apiTokens.id, id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'token.revoked',
      entityType: 'api_token',
      entityId: id,
      summary: `revoked API token ${token.name}`,
      before: { name: token.name, userId: token.userId, scopes: token.scopes },
    });
    return tokenView(revoked!);
  });
}

/**
 * Turns a bearer token into an actor, or explains precisely why not. The reasons are kept
 * generic toward the caller ("invalid", "expired", "revoked") and never reveal a secret.
 */
export async function authenticateToken(deps: Pick<Deps, 'db' | 'clock'>, bearer: string): Promise<Actor> {
  const parsed = parseSecret(bearer, 'oat');
  if (!parsed)
    throw unauthorized(
      'the API token is not one this server issued (its id or secret part is malformed); copy it again from where it was shown, or create a new one',
    );
  const found = await findUserSecretRow(deps.db, apiTokens, parsed);
  if (!found) throw unauthorized('the API token is not valid');
  const { row: token, user } = found;
  // First: deactivating revokes the person's tokens too, and "create a new one" is no advice to them.
  if (user.deactivatedAt) throw unauthorized(DEACTIVATED_MESSAGE);
  if (token.revokedAt) throw unauthorized(`the API token has been revoked; ${ANOTHER_TOKEN}`);
  const now = deps.clock.now();
  if (token.expiresAt && token.expiresAt <= now) throw unauthorized(`the API token has expired; ${ANOTHER_TOKEN}`);
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    const stale = new Date(now.getTime() - LAST_USED_GRANULARITY_MS);
    // Conditional, so concurrent requests write it once.
    await deps.db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(apiTokens.id, token.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, stale))));
  }
  return userActor(user, found.orgId, found.role, token);
}
