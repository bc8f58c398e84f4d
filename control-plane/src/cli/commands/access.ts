import { TOKEN_SCOPES, tokenScopeSchema, tokenState } from '@openase/shared';
import {
  UsageError,
  listOption,
  requireOption,
  requirePositional,
  stringOption,
  type CommandGroup,
} from '../command.js';
import { createApiClient, CliError } from '../client.js';
import { printTable } from '../output.js';
import { openaseHome } from '../../server/config.js';
import { writeCredentials } from '../../server/credentials.js';
import { signInCommands } from './sign-in.js';
import { parseDuration } from './definitions-common.js';
import { callCommand, resultCommand } from '../call-command.js';

export const tokenCommands: CommandGroup = {
  name: 'token',
  summary: 'Manage your API tokens (shown once, stored only as hashes).',
  commands: [
    callCommand({
      name: 'create',
      summary: 'create an API token',
      args: ['NAME'],
      usage: '[--scopes read,write] [--expires 30d] [--json]',
      details: `Scopes: ${TOKEN_SCOPES.join(', ')}. The token is printed once; keep it somewhere safe.`,
      options: {
        scopes: { type: 'string', description: `comma-separated, from ${TOKEN_SCOPES.join(',')} (default read,write)` },
        expires: { type: 'string', value: 'DURATION', description: 'lifetime like 12h or 30d (default: no expiry)' },
      },
      check: (args) =>
        listOption(args.values.scopes)?.map((s) => {
          const parsed = tokenScopeSchema.safeParse(s);
          if (!parsed.success) throw new UsageError(`unknown scope "${s}"; scopes are ${TOKEN_SCOPES.join(', ')}`);
          return parsed.data;
        }),
      call(api, args, _io, scopes) {
        const expires = stringOption(args.values.expires);
        return api.tokens.create.mutate({
          name: requirePositional(args, 0, 'token NAME'),
          scopes,
          expiresInSeconds: expires ? parseDuration(expires) : undefined,
        });
      },
      print(io, result) {
        io.out(`created token ${result.record.id} (${result.record.scopes.join(', ')}); it is shown only now:`);
        io.out(result.token);
      },
    }),
    callCommand({
      name: 'list',
      summary: "list your API tokens (never their secrets); admins: --all for everyone's",
      args: [],
      usage: '[--all] [--json]',
      options: { all: { type: 'boolean', description: "everyone's tokens (admins)" } },
      call: (api, args) => api.tokens.list.query({ all: !!args.values.all }),
      print(io, tokens, args) {
        const when = (d: Date | string | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '');
        printTable(
          io,
          ['ID', 'NAME', ...(args.values.all ? ['OWNER'] : []), 'SCOPES', 'LAST USED (UTC)', 'EXPIRES', 'STATE'],
          tokens.map((t) => [
            t.id,
            t.name,
            ...(args.values.all ? [t.userName] : []),
            t.scopes.join(','),
            when(t.lastUsedAt) || 'never',
            when(t.expiresAt) || 'never',
            tokenState(t),
          ]),
        );
      },
    }),
    callCommand({
      name: 'revoke',
      summary: 'revoke an API token',
      args: ['ID'],
      usage: '[--json]',
      call: (api, args) => api.tokens.revoke.mutate({ id: requirePositional(args, 0, 'token ID') }),
      print(io, token) {
        io.out(`revoked token ${token.id} (${token.name})`);
      },
    }),
  ],
};

export const loginCommand = resultCommand({
  name: 'login',
  summary: 'Point the CLI at a control plane with an API token',
  args: [],
  usage: '--url URL --token TOKEN [--json]',
  details:
    'Checks the token against the server, then writes it to the credentials file (mode 0600) in OPENASE_HOME (default ~/.openase).',
  options: {
    url: { type: 'string', description: 'control plane URL, e.g. http://localhost:19836' },
    token: { type: 'string', description: 'API token (oat_…); "-" reads standard input' },
  },
  async result(args, io) {
    const url = requireOption(args, 'url').replace(/\/+$/, '');
    let token = requireOption(args, 'token');
    if (token === '-') token = (await import('node:fs')).readFileSync(0, 'utf8').trim();
    const me = await createApiClient({ url, token }).auth.whoami.query();
    if (!me) throw new CliError('the server did not accept the token');
    const file = writeCredentials(openaseHome(io.env), { url, token });
    return { url, user: me.name, role: me.role, credentials: file };
  },
  print(io, { url, user, role, credentials }) {
    io.out(`logged in to ${url} as ${user} (${role}); credentials saved to ${credentials}`);
  },
});

export const authCommands: CommandGroup = {
  name: 'auth',
  summary: 'Sign-in: who am I, sign-in links, invitations, single sign-on, break-glass.',
  commands: [
    callCommand({
      name: 'whoami',
      summary: 'show who the CLI is authenticated as',
      args: [],
      usage: '[--json]',
      call: (api) => api.auth.whoami.query(),
      print(io, me) {
        io.out(`${me.name} (${me.role}) via ${me.via}${me.scopes ? ` with scopes ${me.scopes.join(',')}` : ''}`);
        if (me.projectRoles.length)
          io.out(`in projects: ${me.projectRoles.map((p) => `${p.project} (${p.role})`).join(', ')}`);
      },
    }),
    callCommand({
      name: 'signin-link',
      summary: 'create a one-time link that signs you (or, as an admin, another person) in to the web console',
      args: [],
      usage: '[--for EMAIL] [--json]',
      details:
        'With --for, an admin makes the link for a person who has no way in left (a lost session or token, a\n' +
        'reactivation): hand it to them; it works once, within 24 hours, and the audit trail records it.',
      options: { for: { type: 'string', value: 'EMAIL', description: 'the person the link signs in (admins)' } },
      async call(api, args, io) {
        const link = await api.auth.createSignInLink.mutate({ for: stringOption(args.values.for) });
        const { resolveEndpoint } = await import('../client.js');
        return { url: `${resolveEndpoint(io.env).url}/auth/signin?code=${link.code}`, expiresAt: link.expiresAt };
      },
      print(io, link) {
        io.out(link.url);
      },
    }),
    ...signInCommands,
  ],
};
