/** Who is signed in. The session itself is an httpOnly cookie the page never sees. */
import { defineStore } from 'pinia';
import { API } from '@openase/shared';
import { api, csrfHeaders, type RouterOutputs } from '../api/client';
import { errorCode, errorMessage } from '../api/errors';
import { onChange, startLive, stopLive } from '../live/live';

export type Me = RouterOutputs['auth']['whoami'];

let followingRole = false;

export const useSession = defineStore('session', {
  state: () => ({
    me: null as Me | null,
    status: 'unknown' as 'unknown' | 'signedIn' | 'signedOut' | 'error',
    error: null as string | null,
  }),
  actions: {
    async load() {
      try {
        this.me = await api.auth.whoami.query();
        this.status = 'signedIn';
        this.error = null;
        this.followOwnRole();
        startLive();
      } catch (err) {
        if (errorCode(err) === 'UNAUTHORIZED') this.signedOut();
        else {
          this.status = 'error';
          this.error = errorMessage(err);
        }
      }
    },
    /** A change of one's own role (organization, project) turns the console's controls on or off at once. */
    followOwnRole() {
      if (followingRole) return;
      followingRole = true;
      onChange((change) => {
        if (change.entityType === 'user' && change.entityId === this.me?.id && change.action.startsWith('member.'))
          void api.auth.whoami
            .query()
            .then((me) => (this.me = me))
            .catch(() => {});
      });
    },
    signedOut() {
      this.me = null;
      this.status = 'signedOut';
      stopLive();
    },
    async signOut() {
      await fetch('/auth/signout', { method: 'POST', headers: csrfHeaders(), credentials: 'same-origin' });
      this.signedOut();
    },
  },
});

/**
 * Signing in with an API token without keeping it: the token (admin scope) asks for a one-time
 * sign-in link, which the browser then redeems for the usual httpOnly session cookie. The token
 * is used for this one request only and never stored.
 */
export async function signInWithToken(token: string): Promise<string> {
  const res = await fetch(`/trpc/${API.auth.createSignInLink.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
    body: '{}',
    credentials: 'omit',
  });
  const body = (await res.json().catch(() => null)) as {
    result?: { data?: { code?: string } };
    error?: { message?: string };
  } | null;
  const code = body?.result?.data?.code;
  if (!res.ok || !code) throw new Error(body?.error?.message ?? `the server refused the token (HTTP ${res.status})`);
  return `/auth/signin?code=${encodeURIComponent(code)}`;
}
