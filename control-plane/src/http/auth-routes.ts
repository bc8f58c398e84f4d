/**
 * Sign-in routes (public unless noted): one-time links, invitations (browser and CLI), single sign-on, sign-out.
 *   GET  /auth/methods                     how people sign in here (links or single sign-on)
 *   GET  /auth/signin?code=osl_…[&next=]   one-time link → session cookie, then `next` (or /)
 *   GET  /auth/invitations/preview?code=   what an invitation offers
 *   POST /auth/invitations/accept          {code, name, email?, tokenName?} → session cookie, or an API token
 *   GET  /auth/oidc/start                  → the identity provider (?invitation=, ?next=)
 *   POST /auth/oidc/test                   (an owner's session) → {url} of a test sign-in of the draft
 *   GET  /auth/oidc/callback               the provider's answer → session cookie
 *   POST /auth/break-glass                 {proof}: the CLI on the server host proves it can write the data dir
 *   POST /auth/signout                     (signed in)
 * Every sign-in, accepted or refused, is in the audit trail with its method and the client's address.
 */
import fs from 'node:fs';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { clientIp, isSecureRequest, type ProxyVariables } from './proxy.js';
import {
  forbidden,
  invitationAcceptInput,
  isOpenaseError,
  OpenaseError,
  roleScopes,
  unauthorized,
} from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import { instanceOrgId } from '../auth/bootstrap.js';
import { acceptInvitation, previewInvitation } from '../auth/invitations.js';
import { finishOidcSignIn, OIDC_CALLBACK_PATH, startOidcSignIn } from '../auth/oidc.js';
import { breakGlass, loadAuthSettings } from '../auth/oidc-settings.js';
import { sha256 } from '../auth/secrets.js';
import { createSession, redeemSignInLink, revokeSession, signInLinkUser, type NewSession } from '../auth/sessions.js';
import { recordSignIn, type SignInMethod } from '../auth/sign-in-audit.js';
import { issueToken } from '../auth/tokens.js';
import { requireRole } from '../auth/permissions.js';
import { inTransaction } from '../kernel/transaction.js';
import { describeZodError } from '../api/trpc.js';
import type { RequestVariables } from './request-log.js';
import { authenticate, CSRF_COOKIE, requireAuthenticated, SESSION_COOKIE, type AuthVariables } from './authenticate.js';

type App = Hono<{ Variables: AuthVariables & RequestVariables & ProxyVariables }>;

function setSessionCookies(c: Context, session: NewSession): void {
  const secure = isSecureRequest(c);
  const base = { sameSite: 'Lax' as const, path: '/', secure, expires: session.expiresAt };
  setCookie(c, SESSION_COOKIE, session.sessionToken, { ...base, httpOnly: true });
  setCookie(c, CSRF_COOKIE, session.csrfToken, { ...base, httpOnly: false });
}

/** Where the browser goes after signing in: a path of this console only (never another site). */
function safeNext(next: string | null | undefined): string {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/';
}

/** The look of the console's sign-in card (web/src/ui/main.css), for pages the server renders itself. */
const MESSAGE_PAGE_CSS = [
  'body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232d;background:#f6f7f9}',
  'main{max-width:560px;margin:10vh auto;padding:0 16px}',
  '.card{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:16px 20px;',
  'box-shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}',
  'h1{font-size:20px;margin:0 0 12px;display:flex;align-items:center;gap:10px}',
  '.problem{color:#c92a2a;background:#fde8e8;border-radius:6px;padding:8px 12px}',
  'a.button{display:inline-block;background:#2f5bd3;color:#fff;border-radius:6px;padding:6px 14px;',
  'text-decoration:none}a.button:hover{background:#2649ad}',
].join('');

/**
 * A page the server renders itself (a refused sign-in link, an invitation, single sign-on). The message is
 * shown as written: the errors these pages show are sentences where they are thrown (auth/sessions.ts, oidc.ts).
 */
export function messagePage(c: Context, title: string, message: string, status: 200 | 401 | 403 | 409 = 401) {
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<link rel="icon" href="/favicon.svg"><title>${escapeHtml(title)} · OpenASE</title>` +
      `<style>${MESSAGE_PAGE_CSS}</style></head><body><main><div class="card">` +
      `<h1><img src="/favicon.svg" alt="" width="28" height="28"> ${escapeHtml(title)}</h1>` +
      `<p class="problem" role="alert">${escapeHtml(message)}</p>` +
      `<p><a class="button" href="/signin">Back to sign-in</a></p></div></main></body></html>`,
    status,
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The callback URL the provider must send people back to: this server's public address. */
export function oidcRedirectUri(c: Context): string {
  return `${new URL(c.req.url).origin}${OIDC_CALLBACK_PATH}`;
}

const ssoOn = 'This organization signs in with single sign-on: use "Sign in with single sign-on" on the sign-in page';

/** The file `openase auth break-glass` writes into the data dir to prove it runs on the server host. */
export const BREAK_GLASS_FILE = 'break-glass.proof';

export function mountAuthRoutes(app: App, deps: Deps, opts: { home?: string | undefined } = {}): void {
  const audit = (c: Context, method: SignInMethod, e: Omit<Parameters<typeof recordSignIn>[1], 'ip' | 'method'>) =>
    recordSignIn(deps, { ...e, method, ip: clientIp(c) }).catch((err: unknown) =>
      deps.log.error({ err }, '[auth] could not record a sign-in in the audit trail'),
    );

  app.get('/auth/methods', async (c) => {
    const settings = await loadAuthSettings(deps.db, await instanceOrgId(deps.db));
    const sso = settings.oidcState === 'enabled';
    return c.json({ signIn: sso ? 'oidc' : 'link', issuer: sso ? settings.issuer : null });
  });

  app.get('/auth/signin', async (c) => {
    const code = c.req.query('code') ?? '';
    const orgId = await instanceOrgId(deps.db);
    try {
      if ((await loadAuthSettings(deps.db, orgId)).oidcState === 'enabled') throw unauthorized(ssoOn);
      const session = await redeemSignInLink(deps, code);
      const user = await signInLinkUser(deps.db, code);
      await audit(c, 'link', { orgId, user, ok: true });
      setSessionCookies(c, session);
      // `next`: the page the visitor asked for before signing in (a path of this console only).
      return c.redirect(safeNext(c.req.query('next')), 302);
    } catch (err) {
      if (!isOpenaseError(err)) throw err;
      await audit(c, 'link', { orgId, user: await signInLinkUser(deps.db, code), ok: false, reason: err.message });
      return messagePage(c, 'Sign-in failed', err.message);
    }
  });

  app.get('/auth/invitations/preview', async (c) => {
    const preview = await previewInvitation(deps, c.req.query('code') ?? '');
    const settings = await loadAuthSettings(deps.db, await instanceOrgId(deps.db));
    return c.json({ ...preview, signIn: settings.oidcState === 'enabled' ? 'oidc' : 'link' });
  });

  app.post('/auth/invitations/accept', async (c) => {
    // JSON only: a cross-site form cannot send it, so nobody can sign a browser into an account it did not ask for.
    if (!/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
      throw new OpenaseError('BAD_REQUEST', 'send the invitation as JSON (content-type: application/json)');
    const parsed = invitationAcceptInput.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success)
      throw new OpenaseError('VALIDATION_FAILED', `invalid invitation: ${describeZodError(parsed.error)}`);
    const input = parsed.data;
    const orgId = await instanceOrgId(deps.db);
    if ((await loadAuthSettings(deps.db, orgId)).oidcState === 'enabled')
      throw forbidden(
        'this organization signs in with single sign-on: open the invitation link in a browser and sign in there',
      );
    try {
      const result = await inTransaction(deps, async (tx, changes) => {
        const user = await acceptInvitation(tx, deps, changes, input);
        if (input.tokenName) {
          const issued = await issueToken(tx, deps, user.id, {
            name: input.tokenName,
            // What the person may put on a token themselves (a viewer's is read-only), never code execution.
            scopes: roleScopes(user.role),
          });
          return { user, token: issued.token };
        }
        return { user, session: await createSession(tx, deps, user.id) };
      });
      await audit(c, 'invitation', { orgId, user: result.user, ok: true });
      if ('session' in result && result.session) setSessionCookies(c, result.session);
      return c.json({
        user: { id: result.user.id, name: result.user.name, role: result.user.role },
        ...('token' in result ? { token: result.token } : {}),
      });
    } catch (err) {
      if (isOpenaseError(err))
        await audit(c, 'invitation', {
          orgId,
          user: null,
          who: input.email ?? input.name,
          ok: false,
          reason: err.message,
        });
      throw err;
    }
  });

  app.get('/auth/oidc/start', async (c) => {
    const orgId = await instanceOrgId(deps.db);
    try {
      const url = await startOidcSignIn(deps, {
        orgId,
        redirectUri: oidcRedirectUri(c),
        returnTo: safeNext(c.req.query('next')),
        ...(c.req.query('invitation') ? { invitationCode: c.req.query('invitation')! } : {}),
      });
      return c.redirect(url.href, 302);
    } catch (err) {
      if (!isOpenaseError(err)) throw err;
      return messagePage(c, 'Single sign-on is not available', err.message, 409);
    }
  });

  app.use('/auth/oidc/test', authenticate(deps), requireAuthenticated);
  app.post('/auth/oidc/test', async (c) => {
    const actor = c.get('actor')!;
    requireRole(actor, 'owner', 'test single sign-on settings');
    const url = await startOidcSignIn(deps, { orgId: actor.orgId, redirectUri: oidcRedirectUri(c), test: true });
    return c.json({ url: url.href });
  });

  app.get(OIDC_CALLBACK_PATH, async (c) => {
    const orgId = await instanceOrgId(deps.db);
    const query = new URL(c.req.url).searchParams;
    try {
      const result = await finishOidcSignIn(deps, query);
      if (result.kind === 'test') {
        await audit(c, 'oidc-test', { orgId, user: null, who: result.email, ok: true });
        return messagePage(
          c,
          'Test sign-in succeeded',
          `Single sign-on works: the provider vouched for ${result.email}. Close this tab and enable single sign-on in Settings.`,
          200,
        );
      }
      await audit(c, 'oidc', { orgId, user: result.user, ok: true });
      setSessionCookies(c, result.session);
      return c.redirect(safeNext(result.returnTo), 302);
    } catch (err) {
      if (!isOpenaseError(err)) throw err;
      const who = typeof err.details?.who === 'string' ? err.details.who : undefined;
      const user = (err.details?.user as { id: string; name: string } | undefined) ?? null;
      await audit(c, 'oidc', {
        orgId,
        user,
        ...(who ? { who } : {}),
        ok: false,
        reason: err.message,
      });
      return messagePage(c, 'Sign-in refused', err.message);
    }
  });

  app.post('/auth/break-glass', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { proof?: unknown; hostUser?: unknown } | null;
    const proof = typeof body?.proof === 'string' ? body.proof : '';
    const file = opts.home ? path.join(opts.home, BREAK_GLASS_FILE) : null;
    let expected = '';
    try {
      if (file) expected = fs.readFileSync(file, 'utf8').trim();
    } catch {
      /* no proof file: refused below */
    }
    const a = Buffer.from(sha256(proof));
    const b = Buffer.from(sha256(expected));
    if (!expected || proof.length < 32 || !timingSafeEqual(a, b))
      throw forbidden('break-glass works only from the server host: run `openase auth break-glass` there');
    fs.rmSync(file!, { force: true });
    const orgId = await instanceOrgId(deps.db);
    const hostUser = typeof body?.hostUser === 'string' ? body.hostUser.slice(0, 100) : 'server host';
    const result = await breakGlass(deps, orgId, hostUser);
    return c.json({ ...result, path: `/auth/signin?code=${result.code}` });
  });

  app.use('/auth/signout', authenticate(deps), requireAuthenticated);
  app.post('/auth/signout', async (c) => {
    const sessionId = c.get('sessionId');
    if (sessionId) await revokeSession(deps, sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
}
