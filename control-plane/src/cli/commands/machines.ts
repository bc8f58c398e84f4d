import path from 'node:path';
import { hostKeyView } from '@openase/shared';
import { UsageError, listOption, requireOption, requirePositional, stringOption, type GroupBody } from '../command.js';
import { resolveEndpoint } from '../client.js';
import { printFields, printTable } from '../output.js';
import { parseDuration, positiveIntOption } from './definitions-common.js';
import { callCommand } from '../call-command.js';

export const machineCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'join-token',
      summary: 'create a join token for a new machine (`machine join-token create`)',
      args: ['create'],
      usage: '[--labels a,b] [--slots N] [--clis a,b] [--ttl 1h] [--uses 1] [--credential-ttl 90d] [--json]',
      options: {
        labels: {
          type: 'string',
          description: 'the labels a machine joining with it may have (it gets them all unless it asks for fewer)',
        },
        slots: { type: 'string', value: 'N', description: 'the most slots such a machine may claim (default 1000)' },
        clis: { type: 'string', description: 'the agent CLIs such a machine may offer (default: any it finds)' },
        ttl: { type: 'string', value: 'DURATION', description: 'lifetime, e.g. 1h (default), 30m, 7d' },
        uses: { type: 'string', value: 'N', description: 'how many machines may join with it (default 1)' },
        'credential-ttl': {
          type: 'string',
          value: 'DURATION',
          description: 'lifetime of the machine credentials it mints, e.g. 90d (default: no expiry)',
        },
      },
      check(args) {
        if (args.positionals[0] !== 'create') throw new UsageError('the only join-token command is `create`');
        const uses = positiveIntOption(args, 'uses');
        const slotsRaw = stringOption(args.values.slots);
        const slots = slotsRaw === undefined ? undefined : Number(slotsRaw);
        if (slots !== undefined && (!Number.isInteger(slots) || slots < 1 || slots > 1000))
          throw new UsageError(`--slots must be a whole number from 1 to 1000, got "${slotsRaw}"`);
        return { uses, slots };
      },
      async call(api, args, io, { uses, slots }) {
        const ttl = stringOption(args.values.ttl);
        const credentialTtl = stringOption(args.values['credential-ttl']);
        const created = await api.machines.createJoinToken.mutate({
          labels: listOption(args.values.labels),
          ttlSeconds: ttl ? parseDuration(ttl) : undefined,
          uses,
          slots,
          clis: stringOption(args.values.clis) === undefined ? undefined : listOption(args.values.clis),
          credentialTtlSeconds: credentialTtl ? parseDuration(credentialTtl) : undefined,
        });
        return { ...created, command: `openase-agent join ${resolveEndpoint(io.env).url} ${created.token}` };
      },
      print(io, created) {
        io.out(`join token created (${created.uses} use(s), expires ${created.expiresAt}); on the new machine run:`);
        io.out(`  ${created.command}`);
      },
    }),
    callCommand({
      name: 'list',
      summary: 'the fleet view: status, slots used/total, CLIs of every machine',
      args: [],
      usage: '[--json]',
      call: (api) => api.machines.list.query(),
      print(io, fleet) {
        printTable(
          io,
          ['NAME', 'KIND', 'STATUS', 'SLOTS', 'LABELS', 'CLIS', 'LAST SEEN'],
          fleet.machines.map((m) => [
            m.name,
            m.kind,
            m.ssh && hostKeyView(m.ssh).state !== 'trusted' ? `${m.status} (${hostKeyView(m.ssh).summary})` : m.status,
            `${m.slots.used}/${m.slots.total}`,
            m.labels.join(','),
            describeClis(m.clis),
            m.lastSeenAt ?? 'never',
          ]),
          'no machines; add one with `openase machine join-token create`',
        );
        const t = fleet.totals;
        io.out(`${t.online}/${t.machines} machine(s) online; slots used ${t.slotsUsed}, free ${t.slotsFree}`);
      },
    }),
    callCommand({
      name: 'show',
      summary: 'one machine of the fleet view',
      args: ['NAME'],
      usage: '[--json]',
      call: (api, args) => api.machines.show.query({ name: requirePositional(args, 0, 'machine NAME') }),
      print(io, m) {
        printFields(io, [
          ['name', m.name],
          ['kind', m.kind],
          ['status', m.status],
          ['slots', `${m.slots.used}/${m.slots.total} used`],
          ['labels', m.labels.join(', ')],
          ['runs', m.running.map((r) => (r.ticket ? `${r.ticket} (run ${r.runId})` : r.runId)).join(', ') || 'none'],
          ['clis', describeClis(m.clis)],
          ['host', `${m.hostname ?? '?'} (${m.os ?? '?'}/${m.arch ?? '?'})`],
          ['daemon', m.daemonVersion ?? '?'],
          ['load', m.load ?? 'not reported yet'],
          [
            'disk free',
            m.diskFreeBytes === null ? 'not reported yet' : `${(m.diskFreeBytes / 2 ** 30).toFixed(1)} GiB`,
          ],
          ['last seen', m.lastSeenAt ? String(m.lastSeenAt) : 'never'],
          ...(m.ssh
            ? ([
                ['ssh', `${m.ssh.user}@${m.ssh.host}:${m.ssh.port}`],
                ['host key', describeHostKey(m.name, m.ssh)],
              ] as Array<[string, string]>)
            : []),
        ]);
      },
    }),
    callCommand({
      name: 'history',
      summary: 'each machine over the last hours: minutes online, most slots in use, highest load',
      args: [],
      usage: '[--hours N] [--json]',
      options: { hours: { type: 'string', value: 'N', description: 'hours back (default 6, at most 24)' } },
      call: (api, args) => api.machines.history.query({ hours: positiveIntOption(args, 'hours') }),
      print(io, history) {
        const minutes = Math.round((Date.parse(history.now) - Date.parse(history.since)) / history.minuteMs);
        printTable(
          io,
          ['MACHINE', 'ONLINE', 'MOST SLOTS USED', 'HIGHEST LOAD'],
          history.machines.map((m) => {
            const loads = m.points.flatMap((p) => (p.load === null ? [] : [p.load]));
            const used = Math.max(0, ...m.points.map((p) => p.slotsUsed));
            return [
              m.name,
              `${m.points.length} of ${minutes} min`,
              `${used}/${m.slots}`,
              loads.length ? Math.max(...loads) : '',
            ];
          }),
          'no machines; `openase machine join-token create` makes a token for one to join',
        );
      },
    }),
    callCommand({
      name: 'add-ssh',
      summary: 'register a machine the control plane reaches over SSH',
      args: ['NAME'],
      usage:
        '--host H [--port 22] --user U --key FILE [--fingerprint SHA256:…] [--slots N] [--labels a,b] [--remote-dir DIR] [--json]',
      details:
        'Without --fingerprint the host key is read and shown; confirm it with `openase machine trust NAME` before first use.',
      options: {
        host: { type: 'string', description: 'host name or address' },
        port: { type: 'string', description: 'SSH port (default 22)' },
        user: { type: 'string', description: 'login user' },
        key: { type: 'string', value: 'FILE', description: "private key file (on the control plane's host)" },
        fingerprint: {
          type: 'string',
          value: 'SHA256:…',
          description: 'the expected host key fingerprint (pins it at once)',
        },
        slots: { type: 'string', value: 'N', description: 'runs at once (default 1)' },
        labels: { type: 'string', description: 'comma-separated labels' },
        'remote-dir': {
          type: 'string',
          value: 'DIR',
          description: 'where the daemon lives on the machine (default ~/.openase-agent)',
        },
      },
      call(api, args) {
        const fingerprint = stringOption(args.values.fingerprint);
        const remoteDir = stringOption(args.values['remote-dir']);
        return api.machines.addSsh.mutate({
          name: requirePositional(args, 0, 'machine NAME'),
          host: requireOption(args, 'host'),
          port: positiveIntOption(args, 'port') ?? 22,
          user: requireOption(args, 'user'),
          keyPath: path.resolve(requireOption(args, 'key')),
          slots: positiveIntOption(args, 'slots') ?? 1,
          labels: listOption(args.values.labels) ?? [],
          ...(fingerprint ? { fingerprint } : {}),
          ...(remoteDir ? { remoteDir } : {}),
        });
      },
      print(io, added) {
        if (added.pinnedFingerprint)
          io.out(`added SSH machine ${added.name}, host key pinned to ${added.pinnedFingerprint}`);
        else if (added.seenFingerprint) {
          io.out(`added SSH machine ${added.name}; its host key fingerprint is ${added.seenFingerprint}`);
          io.out(
            `check it on the machine (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and confirm with: openase machine trust ${added.name}`,
          );
        } else
          io.out(
            `added SSH machine ${added.name}, but its host key could not be read (${added.probeError}); confirm it later with openase machine trust ${added.name}`,
          );
      },
    }),
    callCommand({
      name: 'trust',
      summary: "confirm an SSH machine's host key (the one last seen, or --fingerprint)",
      args: ['NAME'],
      usage: '[--fingerprint SHA256:…] [--json]',
      options: {
        fingerprint: {
          type: 'string',
          value: 'SHA256:…',
          description: 'pin this fingerprint instead of the last one seen',
        },
      },
      call(api, args) {
        const fingerprint = stringOption(args.values.fingerprint);
        return api.machines.trust.mutate({
          name: requirePositional(args, 0, 'machine NAME'),
          ...(fingerprint ? { fingerprint } : {}),
        });
      },
      print(io, trusted) {
        io.out(`trusted host key ${trusted.fingerprint} of ${trusted.name}; connecting`);
      },
    }),
    callCommand({
      name: 'revoke',
      summary: 'revoke a machine: its credential stops working',
      args: ['NAME'],
      usage: '[--json]',
      call: (api, args) => api.machines.revoke.mutate({ name: requirePositional(args, 0, 'machine NAME') }),
      print(io, machine) {
        io.out(`revoked machine ${machine.name}`);
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete a machine (revoke it first while it is connected or runs work)',
      args: ['NAME'],
      usage: '[--json]',
      examples: ['openase machine revoke gpu-1 && openase machine delete gpu-1'],
      call: (api, args) => api.machines.delete.mutate({ name: requirePositional(args, 0, 'machine NAME') }),
      print(io, result) {
        io.out(`deleted machine ${result.deleted}`);
      },
    }),
  ],
};

function describeClis(clis: unknown): string {
  if (!Array.isArray(clis) || clis.length === 0) return 'none';
  return (clis as Array<{ name: string; version: string | null }>)
    .map((c) => `${c.name} ${c.version ?? '?'}`)
    .join(', ');
}

/** An SSH machine's host key in words, with the command that fixes it (`machine show`, `run start`). */
export function describeHostKey(
  name: string,
  ssh: { fingerprint: string | null; seenFingerprint: string | null },
): string {
  const view = hostKeyView(ssh);
  const fix =
    view.state === 'changed' || view.state === 'untrusted'
      ? `openase machine trust ${name} --fingerprint ${ssh.seenFingerprint}`
      : view.state === 'unread'
        ? `openase machine trust ${name} --fingerprint SHA256:…`
        : null;
  return [view.summary, view.advice, fix && `To trust it: ${fix}`].filter(Boolean).join('\n  ');
}
