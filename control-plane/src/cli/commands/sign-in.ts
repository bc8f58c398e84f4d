/** `openase auth accept | oidc … | break-glass`: joining by invitation, single sign-on settings, the way back. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invitationCodeFrom, OIDC_NEW_USERS, type OidcConfigInput } from '@openase/shared';
import { UsageError, listOption, requireOption, requirePositional, stringOption, type Command } from '../command.js';
import { apiClientFromEnv, CliError, resolveEndpoint } from '../client.js';
import { printFields } from '../output.js';
import { resultCommand } from '../call-command.js';
import { openaseHome, resolveServerConfig } from '../../server/config.js';
import { credentialsPath, readCredentials, writeCredentials } from '../../server/credentials.js';

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CliError(`cannot reach the control plane at ${new URL(url).origin}; is it running?`, 'UNREACHABLE');
  }
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new CliError(json.error?.message ?? `the server answered HTTP ${res.status}`, json.error?.code);
  return json as Record<string, unknown>;
}

const accept = resultCommand({
  name: 'accept',
  summary: 'join an organization with an invitation link; the CLI is then logged in as you',
  args: ['LINK'],
  usage: '--name NAME [--email EMAIL] [--replace] [--json]',
  details:
    "Creates your account with the invitation's role and an API token for this CLI, saved to the credentials " +
    'file (mode 0600) in OPENASE_HOME (default ~/.openase). --email is needed when the invitation names none. ' +
    "When that folder already holds credentials (on the server's host: its admin's), it refuses before using the " +
    'link: give another folder (OPENASE_HOME=~/.openase-you), or --replace to overwrite them.',
  options: {
    name: { type: 'string', description: 'your name as others see it' },
    email: { type: 'string', description: 'your email address' },
    replace: { type: 'boolean', description: 'overwrite the credentials already in OPENASE_HOME' },
  },
  examples: ['openase auth accept "http://cp:19836/invite#oin_…" --name "Ada Lovelace"'],
  async result(args, io) {
    const link = requirePositional(args, 0, 'invitation LINK');
    let origin: string;
    try {
      origin = new URL(link).origin;
    } catch {
      throw new UsageError('LINK must be the whole invitation link, like http://cp:19836/invite#oin_…');
    }
    const home = openaseHome(io.env);
    const existing = readCredentials(home);
    // Checked before the link is used (it works once): a walkthrough's second person, on the server's host with the
    // default folder, silently replaced the admin's token with their own.
    if (existing && args.values.replace !== true)
      throw new UsageError(
        `${credentialsPath(home)} already holds this CLI's credentials (for ${existing.url}), and accepting would ` +
          'replace them: to keep them, join with your own folder (OPENASE_HOME=~/.openase-you openase auth accept …); ' +
          'to replace them, add --replace. The invitation is still unused.',
      );
    const result = await postJson(`${origin}/auth/invitations/accept`, {
      code: invitationCodeFrom(link),
      name: requireOption(args, 'name'),
      email: stringOption(args.values.email),
      tokenName: `CLI on ${os.hostname()}`.slice(0, 100),
    });
    const user = result.user as { name: string; role: string };
    const file = writeCredentials(home, { url: origin, token: String(result.token) });
    return { url: origin, user, credentials: file };
  },
  print(io, { user, credentials }) {
    io.out(`welcome, ${user.name}: you joined as ${user.role}; the CLI is logged in (credentials in ${credentials})`);
    io.out(`open the console with a one-time link: openase auth signin-link`);
  },
});

/** What `auth oidc test` answers: the link to try a sign-in with (or why not). */
interface OidcTest {
  url?: string;
  error?: { message?: string };
}

const oidcShow = resultCommand({
  name: 'oidc',
  summary: 'single sign-on: show | set | test | enable | disable',
  args: ['show|set|test|enable|disable'],
  usage:
    '[--json]   (set: --issuer URL --client-id ID [--client-secret SECRET|-] [--domains a.com,b.com] [--new-users invite-only|viewer|member])',
  details:
    'Steps: `set` saves a draft; `test` prints a link to try a sign-in with it; `enable` switches the console to ' +
    'single sign-on (links stop working). Only owners change these. Register this callback URL at the provider: ' +
    '<server URL>/auth/oidc/callback.',
  options: {
    issuer: { type: 'string', description: "the provider's issuer URL (https)" },
    'client-id': { type: 'string', description: 'the client id registered at the provider' },
    'client-secret': { type: 'string', description: 'its client secret ("-" reads standard input)' },
    domains: { type: 'string', description: 'email domains allowed to sign in (comma-separated; none = any)' },
    'new-users': { type: 'string', description: `who may sign in the first time: ${OIDC_NEW_USERS.join(', ')}` },
  },
  async result(args, io) {
    const verb = requirePositional(args, 0, 'show, set, test, enable or disable');
    const api = apiClientFromEnv(io.env);
    if (verb === 'test') {
      const { url, token } = resolveEndpoint(io.env);
      const res = await fetch(`${url}/auth/oidc/test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json().catch(() => ({}))) as OidcTest;
      if (!res.ok || !body.url) throw new CliError(body.error?.message ?? `HTTP ${res.status}`);
      return body;
    }
    let settings;
    if (verb === 'show') settings = await api.authSettings.get.query();
    else if (verb === 'enable' || verb === 'disable')
      settings = await api.authSettings.setOidcEnabled.mutate({ enabled: verb === 'enable' });
    else if (verb === 'set') {
      let secret = stringOption(args.values['client-secret']);
      if (secret === '-') secret = fs.readFileSync(0, 'utf8').trim();
      const newUsers = stringOption(args.values['new-users']);
      if (newUsers && !(OIDC_NEW_USERS as readonly string[]).includes(newUsers))
        throw new UsageError(`--new-users is one of ${OIDC_NEW_USERS.join(', ')}`);
      settings = await api.authSettings.saveOidc.mutate({
        issuer: requireOption(args, 'issuer'),
        clientId: requireOption(args, 'client-id'),
        clientSecret: secret,
        allowedDomains: listOption(args.values.domains),
        newUsers: newUsers as OidcConfigInput['newUsers'],
      });
    } else throw new UsageError(`unknown step "${verb}"; use show, set, test, enable or disable`);
    return settings;
  },
  print(io, answer) {
    if (!('oidc' in answer)) {
      io.out('open this link in a browser and sign in at the provider; the settings count as tested when it succeeds:');
      return io.out(answer.url!);
    }
    const o = answer.oidc;
    printFields(io, [
      ['sign-in', answer.signIn === 'oidc' ? 'single sign-on' : 'one-time links'],
      ['single sign-on', o.state],
      ['issuer', o.issuer],
      ['client id', o.clientId],
      ['client secret', o.hasClientSecret ? 'set' : 'none (public client)'],
      ['allowed domains', o.allowedDomains.join(', ') || 'any'],
      ['new people', o.newUsers === 'invite-only' ? 'invited only' : `join as ${o.newUsers}`],
      ['tested', o.testedAt ? `${new Date(o.testedAt).toISOString()} by ${o.testedBy}` : 'not yet'],
    ]);
  },
});

const breakGlass = resultCommand({
  name: 'break-glass',
  summary: 'on the server host: turn single sign-on off and print a one-time sign-in link for an owner',
  args: [],
  usage: '[--data-dir DIR] [--database-url URL] [--json]',
  details:
    'For when nobody can sign in (the identity provider is down or misconfigured). It must run on the server ' +
    'host with access to the data dir: a running server is asked through a proof file written there; a stopped ' +
    'one is changed in its database directly.',
  options: {
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: "the server's data dir (default OPENASE_HOME or ~/.openase)",
    },
    'database-url': { type: 'string', value: 'URL', description: "the server's PostgreSQL, if it uses one" },
  },
  async result(args, io) {
    const config = resolveServerConfig(
      { dataDir: stringOption(args.values['data-dir']), databaseUrl: stringOption(args.values['database-url']) },
      io.env,
    );
    const hostUser = `${os.userInfo().username}@${os.hostname()}`;
    const credentials = readCredentials(config.home);
    let result: { turnedOff: boolean; owner: string; path: string } | null = null;
    let base = credentials?.url ?? config.publicUrl;
    if (credentials) result = await viaRunningServer(config.home, credentials.url, hostUser);
    if (!result) {
      result = await directly(config, hostUser);
      base = credentials?.url ?? config.publicUrl;
    }
    return { ...result, url: `${base}${result.path}` };
  },
  print(io, result) {
    io.out(
      result.turnedOff
        ? 'single sign-on is off; people sign in with one-time links again (turn it back on in Settings once fixed)'
        : 'single sign-on was not on; sign-in is by one-time links',
    );
    io.out(`sign in as ${result.owner} (owner) with this one-time link (valid 24 h):`);
    io.out(result.url);
  },
});

/** Asks the server running on this data dir, proving host access with a file only this host can write. */
async function viaRunningServer(home: string, url: string, hostUser: string) {
  const proof = crypto.randomBytes(32).toString('base64url');
  const file = path.join(home, 'break-glass.proof');
  fs.writeFileSync(file, proof, { mode: 0o600 });
  try {
    const res = await fetch(`${url}/auth/break-glass`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ proof, hostUser }),
    }).catch(() => null);
    if (!res) return null;
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string }; path?: string };
    if (!res.ok) throw new CliError(body.error?.message ?? `the server answered HTTP ${res.status}`);
    return body as { turnedOff: boolean; owner: string; path: string };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function directly(config: ReturnType<typeof resolveServerConfig>, hostUser: string) {
  const { openDatabase } = await import('../../db/database.js');
  const { createChangeBus } = await import('../../kernel/change-bus.js');
  const { randomIds, systemClock } = await import('../../kernel/context.js');
  const { createSecretCipher, loadOrCreateSecretKey } = await import('../../secrets/cipher.js');
  const { createLogger } = await import('../../kernel/logger.js');
  const { createMetrics } = await import('../../kernel/metrics.js');
  const { instanceOrgId } = await import('../../auth/bootstrap.js');
  const { breakGlass: turnOff } = await import('../../auth/oidc-settings.js');
  const database = config.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: config.databaseUrl })
    : await openDatabase({ kind: 'pglite', dataDir: path.join(config.home, 'data') });
  try {
    const deps = {
      db: database.db,
      clock: systemClock,
      ids: randomIds,
      bus: createChangeBus(),
      secrets: createSecretCipher(loadOrCreateSecretKey(config.home).key),
      log: createLogger({ format: 'pretty', level: 'warn', stream: process.stderr }),
      metrics: createMetrics(),
    };
    const result = await turnOff(deps, await instanceOrgId(deps.db), hostUser);
    return { turnedOff: result.turnedOff, owner: result.owner, path: `/auth/signin?code=${result.code}` };
  } finally {
    await database.close();
  }
}

export const signInCommands: Command[] = [accept, oidcShow, breakGlass];
