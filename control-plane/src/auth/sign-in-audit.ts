/** Every sign-in, accepted or refused, in the audit trail with its method and the client's address. */
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';

export type SignInMethod = 'link' | 'invitation' | 'oidc' | 'oidc-test';
const METHOD_WORDS: Record<SignInMethod, string> = {
  link: 'a one-time link',
  invitation: 'an invitation',
  oidc: 'single sign-on',
  'oidc-test': 'a single sign-on test',
};

export interface SignInEvent {
  orgId: string;
  /** The person, when known (a refused sign-in may not name anyone). */
  user: { id: string; name: string } | null;
  /** What the caller claimed to be: an email, a subject, or "unknown". */
  who?: string;
  method: SignInMethod;
  ip: string | null;
  ok: boolean;
  reason?: string;
}

export async function recordSignIn(deps: Deps, e: SignInEvent): Promise<void> {
  const who = e.user?.name ?? e.who ?? 'someone unknown';
  const actor: Actor = e.user
    ? { type: 'user', id: e.user.id, name: e.user.name, orgId: e.orgId, userId: e.user.id, role: 'viewer' }
    : { type: 'user', id: 'unknown', name: who, orgId: e.orgId, role: 'viewer' };
  const from = e.ip ? ` from ${e.ip}` : '';
  await inTransaction(deps, (tx, changes) =>
    recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: e.ok ? 'auth.signed_in' : 'auth.sign_in_refused',
      entityType: 'user',
      entityId: e.user?.id ?? 'unknown',
      summary: e.ok
        ? `${who} signed in with ${METHOD_WORDS[e.method]}${from}`
        : `refused a sign-in with ${METHOD_WORDS[e.method]} by ${who}${from}: ${e.reason ?? 'no reason given'}`,
      after: {
        method: e.method,
        ip: e.ip,
        ok: e.ok,
        ...(e.who ? { who: e.who } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
      },
    }),
  );
}
