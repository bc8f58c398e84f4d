import { AUDIT_KINDS, ROLES, auditCsv, roleSchema, type AuditKind } from '@openase/shared';
import { JSON_OPTION, UsageError, listOption, requirePositional, stringOption, type CommandGroup } from '../command.js';
import { apiClientFromEnv, resolveEndpoint } from '../client.js';
import { PAGE_OPTIONS, PAGE_USAGE, printMore, readPages } from '../paging.js';
import { printFields, printJson, printTable, utcMinute } from '../output.js';
import { callCommand } from '../call-command.js';

function parseRole(text: string, allowOwner = true) {
  const parsed = roleSchema.safeParse(text);
  if (!parsed.success || (!allowOwner && parsed.data === 'owner'))
    throw new UsageError(
      `unknown role "${text}"; roles are ${ROLES.filter((r) => allowOwner || r !== 'owner').join(', ')}`,
    );
  return parsed.data;
}

const when = utcMinute;

export const memberCommands: CommandGroup = {
  name: 'member',
  summary: 'People of the organization: invite, roles, deactivate.',
  commands: [
    callCommand({
      name: 'list',
      summary: 'list members with their roles',
      args: [],
      usage: '[--json]',
      call: (api) => api.members.list.query(),
      print(io, members) {
        printTable(
          io,
          ['NAME', 'EMAIL', 'ROLE', 'PROJECT ROLES', 'STATE'],
          members.map((m) => [
            m.name,
            m.email,
            m.role,
            m.projectRoles.map((p) => `${p.project}:${p.role}`).join(' '),
            m.active ? 'active' : 'deactivated',
          ]),
        );
      },
    }),
    callCommand({
      name: 'show',
      summary: 'a member: email, role, project roles, when they joined',
      args: ['EMAIL'],
      usage: '[--json]',
      call: (api, args) => api.members.show.query({ user: requirePositional(args, 0, 'member EMAIL') }),
      print(io, m) {
        printFields(io, [
          ['name', m.name],
          ['email', m.email],
          ['role', m.role],
          ['project roles', m.projectRoles.map((p) => `${p.project}:${p.role}`).join(' ')],
          ['joined', `${when(m.joinedAt)} UTC`],
          ['state', m.active ? 'active' : `deactivated ${when(m.deactivatedAt)} UTC`],
        ]);
      },
    }),
    callCommand({
      name: 'rename',
      summary: 'change your own display name (what others see on comments and activity)',
      args: ['NAME'],
      usage: '[--json]',
      examples: ['openase member rename "Ada Lovelace"'],
      call: (api, args) => api.members.rename.mutate({ name: requirePositional(args, 0, 'your new NAME') }),
      print(io, m) {
        io.out(`you are ${m.name} now`);
      },
    }),
    {
      name: 'invite',
      summary: 'create a one-time invitation link (shown once)',
      args: [],
      usage: '[--email EMAIL] [--role member] [--expires-hours 72] [--json]',
      details:
        'Send the link to the person; they open it in a browser, or run `openase auth accept LINK --name NAME`. ' +
        'With --email only that address can accept it.',
      options: {
        email: { type: 'string', description: 'bind the invitation to this address' },
        role: { type: 'string', description: 'admin, member or viewer (default member)' },
        'expires-hours': {
          type: 'string',
          value: 'N',
          description: 'hours until it expires (default 72, at most 720)',
        },
        ...JSON_OPTION,
      },
      examples: ['openase member invite --email ada@example.com --role member'],
      async run(args, io) {
        const role = args.values.role ? parseRole(String(args.values.role), false) : undefined;
        const hours = stringOption(args.values['expires-hours']);
        if (hours !== undefined && !/^\d+$/.test(hours)) throw new UsageError('--expires-hours takes a whole number');
        const result = await apiClientFromEnv(io.env).invitations.create.mutate({
          email: stringOption(args.values.email),
          role: role as 'admin' | 'member' | 'viewer' | undefined,
          expiresInHours: hours ? Number(hours) : undefined,
        });
        const link = `${resolveEndpoint(io.env).url}${result.path}`;
        if (args.values.json) return printJson(io, { ...result, link });
        io.out(
          `invited ${result.invitation.email ?? 'anyone with the link'} as ${result.invitation.role} until ${when(result.invitation.expiresAt)} UTC; the link is shown only now:`,
        );
        io.out(link);
      },
    },
    callCommand({
      name: 'invitations',
      summary: 'list invitations and their state',
      args: [],
      usage: '[--json]',
      call: (api) => api.invitations.list.query(),
      print(io, list) {
        printTable(
          io,
          ['ID', 'EMAIL', 'ROLE', 'STATE', 'BY', 'EXPIRES'],
          list.map((i) => [i.id, i.email ?? '(any)', i.role, i.state, i.invitedByName, when(i.expiresAt)]),
        );
      },
    }),
    callCommand({
      name: 'revoke-invitation',
      summary: 'revoke a pending invitation',
      args: ['ID'],
      usage: '[--json]',
      call: (api, args) => api.invitations.revoke.mutate({ id: requirePositional(args, 0, 'invitation ID') }),
      print(io, inv) {
        io.out(`invitation ${inv.id} is ${inv.state}`);
      },
    }),
    {
      name: 'role',
      summary: "change a member's organization role, or their role in one project",
      args: ['EMAIL', 'ROLE'],
      usage: '[--project P] [--json]',
      details:
        'Roles: owner, admin, member, viewer. With --project, ROLE (admin, member, viewer or "none" to remove it) ' +
        'replaces their organization role in that project.',
      options: { project: { type: 'string', description: 'a project slug' }, ...JSON_OPTION },
      examples: [
        'openase member role ada@example.com admin',
        'openase member role bob@example.com member --project demo',
      ],
      async run(args, io) {
        const user = requirePositional(args, 0, 'member EMAIL');
        const roleText = requirePositional(args, 1, 'ROLE');
        const api = apiClientFromEnv(io.env);
        const project = stringOption(args.values.project);
        const member = project
          ? await api.members.setProjectRole.mutate({
              project,
              user,
              role: roleText === 'none' ? null : (parseRole(roleText, false) as 'admin' | 'member' | 'viewer'),
            })
          : await api.members.setRole.mutate({ user, role: parseRole(roleText) });
        if (args.values.json) return printJson(io, member);
        const inProject = project ? member.projectRoles.find((p) => p.project === project)?.role : null;
        io.out(
          project ? `${member.name} is ${inProject ?? member.role} in ${project}` : `${member.name} is ${member.role}`,
        );
      },
    },
    ...(['deactivate', 'reactivate'] as const).map((verb) => ({
      name: verb,
      summary:
        verb === 'deactivate'
          ? 'deactivate a member: their sessions and API tokens stop working at once'
          : 'let a deactivated member sign in again (with a new link or invitation)',
      args: ['EMAIL'],
      usage: `[--json]`,
      options: { ...JSON_OPTION },
      async run(args: import('../command.js').ParsedArgs, io: import('../command.js').CommandIo) {
        const user = requirePositional(args, 0, 'member EMAIL');
        const api = apiClientFromEnv(io.env);
        const member = await (verb === 'deactivate' ? api.members.deactivate : api.members.reactivate).mutate({ user });
        if (args.values.json) return printJson(io, member);
        io.out(`${member.name} is ${member.active ? 'active' : 'deactivated'}`);
      },
    })),
  ],
};

const KINDS = Object.keys(AUDIT_KINDS) as AuditKind[];

export const auditCommands: CommandGroup = {
  name: 'audit',
  summary: 'The audit trail: sign-ins, members, tokens, secrets, machines, settings, tickets.',
  commands: [
    {
      name: 'list',
      summary: 'list audit entries, newest first (admins)',
      args: [],
      usage: `[--actor NAME] [--kind K,…] [--project P] [--since ISO] [--until ISO] ${PAGE_USAGE} [--json|--csv]`,
      details: `Kinds: ${KINDS.join(', ')}.`,
      options: {
        actor: { type: 'string', description: "part of the actor's name, or their id" },
        kind: { type: 'string', description: 'comma-separated kinds' },
        project: { type: 'string', description: 'only this project' },
        since: { type: 'string', description: 'ISO time, e.g. 2026-01-31T00:00:00Z' },
        until: { type: 'string', description: 'ISO time' },
        ...PAGE_OPTIONS,
        csv: { type: 'boolean', description: 'print CSV (for a spreadsheet)' },
        ...JSON_OPTION,
      },
      examples: [
        'openase audit list --kind sign-in --json',
        'openase audit list --actor ada --since 2026-01-01T00:00:00Z',
        'openase audit list --since 2026-01-01T00:00:00Z --csv > audit.csv',
      ],
      async run(args, io) {
        const kinds = listOption(args.values.kind)?.map((k) => {
          if (!KINDS.includes(k as AuditKind))
            throw new UsageError(`unknown kind "${k}"; kinds are ${KINDS.join(', ')}`);
          return k as AuditKind;
        });
        const time = (v: string | undefined, flag: string) => {
          if (v === undefined) return undefined;
          const d = new Date(v);
          if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} takes an ISO time like 2026-01-31T12:00:00Z`);
          return d.toISOString();
        };
        const api = apiClientFromEnv(io.env);
        const filter = {
          actor: stringOption(args.values.actor),
          kinds,
          project: stringOption(args.values.project),
          since: time(stringOption(args.values.since), 'since'),
          until: time(stringOption(args.values.until), 'until'),
        };
        // The audit API pages by entry id (`before` / `nextBefore`): the id is the cursor.
        const page = await readPages(args, async ({ cursor, limit }) => {
          if (cursor !== undefined && !/^[1-9]\d*$/.test(cursor))
            throw new UsageError('--cursor takes the cursor printed under a previous page');
          const got = await api.audit.list.query({ ...filter, limit, before: cursor ? Number(cursor) : undefined });
          return { items: got.entries, nextCursor: got.nextBefore === null ? null : String(got.nextBefore) };
        });
        if (args.values.json) return printJson(io, page);
        if (args.values.csv) {
          io.out(auditCsv(page.items).trimEnd());
          return;
        }
        printTable(
          io,
          ['WHEN (UTC)', 'WHO', 'KIND', 'WHAT', 'IP'],
          page.items.map((e) => [when(e.at), e.actorName, e.kind, e.summary, e.ip]),
          'no audit entries match',
        );
        printMore(io, page);
      },
    },
  ],
};
