/**
 * Single sign-on against a real OpenID Connect provider on loopback (test-kit/src/oidc-idp.ts): draft → test sign-in →
 * enable; just-in-time members; invite-only; and the refusals, each with a clear message and an audit entry:
 * wrong audience, expired ID token, replayed state, unverified email, a domain not allowed, a deactivated person.
 * Then key rotation at the provider, link sign-in refused while single sign-on is on, and break-glass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { bootstrapInstance } from '../src/auth/bootstrap.js';
import { saveOidcDraft, setOidcEnabled } from '../src/auth/oidc-settings.js';
import { createInvitation } from '../src/auth/invitations.js';
import { setMemberActive } from '../src/auth/members.js';
import { listAudit } from '../src/activity/audit.js';
import type { Actor } from '../src/kernel/context.js';
import { expectCode } from './expect-code.js';
import { startTestIdp, type TestIdp } from '@openase/test-kit/oidc-idp';
import { bootAdmin } from '@openase/test-kit/databases';

/** Follows redirects across both servers like a browser, keeping each origin's cookies. */
async function browse(start: string, jar = new Map<string, Map<string, string>>()) {
  let url = new URL(start);
  const visited: string[] = [];
  for (let hop = 0; hop < 20; hop++) {
    visited.push(url.href);
    const cookies = jar.get(url.origin) ?? new Map<string, string>();
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    jar.set(url.origin, cookies);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    return { status: res.status, text: await res.text(), url, visited, jar };
  }
  throw new Error(`too many redirects from ${start}`);
}

describe('single sign-on (OIDC) against oidc-provider on loopback', () => {
  let server: RunningServer;
  let idp: TestIdp;
  let home: string;
  let owner: Actor;
  let ownerToken: string;

  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ server, home, token: ownerToken, stop } = await startTestServer('openase-oidc-'));
    const boot = await bootstrapInstance(server.deps);
    owner = bootAdmin(boot);
    idp = await startTestIdp(`${server.url}/auth/oidc/callback`);
    idp.accounts.set('ada@example.com', { email: 'ada@example.com', verified: true, name: 'Ada Lovelace' });
    idp.accounts.set('eve@example.com', { email: 'eve@example.com', verified: false, name: 'Eve' });
    idp.accounts.set('mal@elsewhere.org', { email: 'mal@elsewhere.org', verified: true, name: 'Mal' });
    idp.accounts.set('ivy@elsewhere.org', { email: 'ivy@elsewhere.org', verified: true, name: 'Ivy' });
  });
  afterAll(async () => {
    await idp?.close();
    await stop?.();
  });

  const signIn = async (email: string, query = '') => {
    idp.autoLogin = email;
    return browse(`${server.url}/auth/oidc/start${query}`);
  };
  const whoami = async (jar: Map<string, Map<string, string>>) => {
    const cookie = [...(jar.get(new URL(server.url).origin) ?? new Map())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${server.url}/trpc/auth.whoami`, { headers: { cookie } });
    const body = (await res.json()) as { result?: { data?: { name: string; role: string } } };
    return body.result?.data ?? body;
  };
  const lastRefusal = async () => {
    const { entries } = await listAudit(server.deps.db, owner, { kinds: ['sign-in'], limit: 1 });
    return entries[0]!;
  };

  it('goes draft → test sign-in → enabled, and refuses to enable an untested draft', async () => {
    const start = await fetch(`${server.url}/auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(409);
    await saveOidcDraft(server.deps, owner, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: ['example.com'],
      newUsers: 'member',
    });
    await expectCode(setOidcEnabled(server.deps, owner, true), 'CONFLICT', /test the single sign-on settings/);
    const test = await fetch(`${server.url}/auth/oidc/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    const { url } = (await test.json()) as { url: string };
    idp.autoLogin = 'ada@example.com';
    const result = await browse(url);
    expect(result.text).toContain('Single sign-on works');
    const settings = await setOidcEnabled(server.deps, owner, true);
    expect(settings.signIn).toBe('oidc');
  });

  it('signs a new person of an allowed domain in as a member, with an audit entry', async () => {
    const result = await signIn('ada@example.com');
    expect(result.url.href).toBe(`${server.url}/`);
    expect(await whoami(result.jar)).toMatchObject({ name: 'Ada Lovelace', role: 'member' });
    const entry = await lastRefusal();
    expect(entry).toMatchObject({ action: 'auth.signed_in', actorName: 'Ada Lovelace', ip: '127.0.0.1' });
    expect(entry.after).toMatchObject({ method: 'oidc', ok: true });
  });

  it('refuses a replayed callback (its state was used)', async () => {
    const first = await signIn('ada@example.com');
    const callback = first.visited.find((u) => u.includes('/auth/oidc/callback'))!;
    const replay = await browse(callback);
    expect(replay.status).toBe(401);
    expect(replay.text).toMatch(/unknown or was already used/);
    expect((await lastRefusal()).action).toBe('auth.sign_in_refused');
  });

  it('refuses an ID token for another audience, and an expired one', async () => {
    idp.tamper = (claims) => ({ ...claims, aud: 'some-other-app' });
    const wrongAud = await signIn('ada@example.com');
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.text).toMatch(/wrong audience/);
    expect((await lastRefusal()).summary).toMatch(/wrong audience/);
    const now = Math.floor(Date.now() / 1000);
    idp.tamper = (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 });
    const expired = await signIn('ada@example.com');
    expect(expired.text).toMatch(/expired/);
    expect((await lastRefusal()).summary).toMatch(/expired/);
    idp.tamper = null;
  });

  it('refuses an unverified email and a domain that is not allowed', async () => {
    const unverified = await signIn('eve@example.com');
    expect(unverified.text).toMatch(/has not verified eve@example.com/);
    const outside = await signIn('mal@elsewhere.org');
    expect(outside.text).toMatch(/elsewhere.org is not one of the domains/);
    expect((await lastRefusal()).after).toMatchObject({ who: 'mal@elsewhere.org', ok: false });
  });

  it('lets an invited person of another domain in through their invitation', async () => {
    const inv = await createInvitation(server.deps, owner, { email: 'ivy@elsewhere.org', role: 'viewer' });
    const preview = await fetch(`${server.url}/auth/invitations/preview?code=${inv.code}`);
    expect(await preview.json()).toMatchObject({ signIn: 'oidc', role: 'viewer' });
    const result = await signIn('ivy@elsewhere.org', `?invitation=${inv.code}`);
    expect(await whoami(result.jar)).toMatchObject({ name: 'Ivy', role: 'viewer' });
  });

  it('refuses a deactivated person', async () => {
    await setMemberActive(server.deps, owner, 'ada@example.com', false);
    const result = await signIn('ada@example.com');
    expect(result.text).toMatch(/deactivated/);
    expect(await lastRefusal()).toMatchObject({ action: 'auth.sign_in_refused', actorName: 'Ada Lovelace' });
    await setMemberActive(server.deps, owner, 'ada@example.com', true);
  });

  it('follows a key rotation at the provider', async () => {
    const before = idp.kid();
    await idp.rotateKeys();
    expect(idp.kid()).not.toBe(before);
    const result = await signIn('ada@example.com');
    expect(await whoami(result.jar)).toMatchObject({ name: 'Ada Lovelace' });
  });

  it('refuses link sign-in while single sign-on is on; break-glass on the host turns it off', async () => {
    const link = await fetch(`${server.url}/trpc/auth.createSignInLink`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const code = ((await link.json()) as { result: { data: { code: string } } }).result.data.code;
    const refused = await fetch(`${server.url}/auth/signin?code=${code}`, { redirect: 'manual' });
    expect(await refused.text()).toMatch(/signs in with single sign-on/);
    const forged = await fetch(`${server.url}/auth/break-glass`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proof: 'x'.repeat(40) }),
    });
    expect(forged.status).toBe(403);
    const proof = 'p'.repeat(43);
    fs.writeFileSync(path.join(home, 'break-glass.proof'), proof);
    const broken = await fetch(`${server.url}/auth/break-glass`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proof, hostUser: 'root@host' }),
    });
    const body = (await broken.json()) as { turnedOff: boolean; owner: string; path: string };
    expect(body).toMatchObject({ turnedOff: true, owner: 'admin' });
    expect(fs.existsSync(path.join(home, 'break-glass.proof'))).toBe(false);
    const signIn = await fetch(`${server.url}${body.path}`, { redirect: 'manual' });
    expect(signIn.status).toBe(302);
    const { entries } = await listAudit(server.deps.db, owner, { kinds: ['settings'], limit: 1 });
    expect(entries[0]!.summary).toMatch(/from the server host \(root@host\)/);
  });
});
