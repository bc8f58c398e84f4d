/**
 * A real OpenID Connect provider (the `oidc-provider` package) on loopback for the sign-in tests. Its login
 * step is ours: a form that asks for an email (the browser test fills it in), or, with `autoLogin`, the next
 * person is signed in without a form (HTTP-level tests). `tamper` rewrites the ID token the token endpoint
 * returns and signs it again with the provider's own key (wrong audience, expiry). `rotateKeys` restarts the
 * provider on the same address with a new signing key.
 */
// The package's types, declared beside this file; named here so that every package compiling it (web) has them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration, nothing to import
/// <reference path="./oidc-provider.d.ts" />
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, exportJWK, importJWK, decodeJwt, decodeProtectedHeader, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface IdpAccount {
  email: string;
  verified: boolean;
  name?: string;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, IdpAccount>;
  /** Email of the account the next login uses without showing the form (null = show the form). */
  autoLogin: string | null;
  tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  rotateKeys(): Promise<void>;
  kid(): string;
  close(): Promise<void>;
}

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `k-${Math.random().toString(36).slice(2, 10)}`, alg: 'RS256', use: 'sig' };
}

export async function startTestIdp(redirectUri: string): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    clientId: 'openase-test',
    clientSecret: 'a-client-secret-for-tests-only',
    accounts: new Map(),
    autoLogin: null,
    tamper: null,
    rotateKeys: async () => {},
    kid: () => key.kid!,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  let key = await signingKey();
  let provider = build(key);
  idp.rotateKeys = async () => {
    key = await signingKey();
    provider = build(key);
  };

  function build(jwk: JWK) {
    const p = new Provider(issuer, {
      clients: [
        {
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [jwk] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx: unknown, id: string) => {
        const account = idp.accounts.get(id);
        if (!account) return undefined;
        return {
          accountId: id,
          claims: () => ({ sub: id, email: account.email, email_verified: account.verified, name: account.name }),
        };
      },
    });
    p.use(async (ctx: { path: string; body: unknown }, next: () => Promise<void>) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && idp.tamper && body?.id_token) {
        const claims = idp.tamper({ ...decodeJwt(body.id_token) });
        const header = decodeProtectedHeader(body.id_token);
        const privateKey = await importJWK(jwk, 'RS256');
        body.id_token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: header.kid! })
          .sign(privateKey);
      }
    });
    return p;
  }

  async function finish(req: http.IncomingMessage, res: http.ServerResponse, email: string) {
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: email, clientId: details.params.client_id as string });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: email }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (!interaction) return void provider.callback()(req, res);
    void (async () => {
      if (req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        return finish(req, res, new URLSearchParams(body).get('email') ?? '');
      }
      if (idp.autoLogin) return finish(req, res, idp.autoLogin);
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><title>Test identity provider</title><form method="post">` +
          `<label>Email <input name="email" type="email"></label><button>Sign in at the provider</button></form>`,
      );
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  return idp;
}
