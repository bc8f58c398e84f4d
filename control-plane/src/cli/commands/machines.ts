import { JSON_OPTION, UsageError, listOption, requirePositional, stringOption, type CommandGroup } from '../command.js';
import { apiClientFromEnv, resolveEndpoint } from '../client.js';
import { printFields, printJson, printTable } from '../output.js';
import { parseDuration } from './access.js';

export const machineCommands: CommandGroup = {
  name: 'machine',
  summary: 'Manage the fleet: join tokens, machines, revocation.',
  commands: [
    {
      name: 'join-token',
      summary: 'create a join token for a new machine (`machine join-token create`)',
      usage: 'openase machine join-token create [--labels a,b] [--ttl 1h] [--uses 1] [--json]',
      options: {
        labels: { type: 'string', description: 'labels every machine joining with it gets' },
        ttl: { type: 'string', value: 'DURATION', description: 'lifetime, e.g. 1h (default), 30m, 7d' },
        uses: { type: 'string', value: 'N', description: 'how many machines may join with it (default 1)' },
        ...JSON_OPTION,
      },
      async run(args, io) {
        if (args.positionals[0] !== 'create') throw new UsageError('the only join-token command is `create`');
        const usesRaw = stringOption(args.values.uses);
        const uses = usesRaw === undefined ? undefined : Number(usesRaw);
        if (uses !== undefined && (!Number.isInteger(uses) || uses < 1)) throw new UsageError(`--uses must be a whole number ≥ 1, got "${usesRaw}"`);
        const ttl = stringOption(args.values.ttl);
        const created = await apiClientFromEnv(io.env).machines.createJoinToken.mutate({
          labels: listOption(args.values.labels),
          ttlSeconds: ttl ? parseDuration(ttl) : undefined,
          uses,
        });
        const command = `openase-agent join ${resolveEndpoint(io.env).url} ${created.token}`;
        if (args.values.json) return printJson(io, { ...created, command });
        io.out(`join token created (${created.uses} use(s), expires ${created.expiresAt}); on the new machine run:`);
        io.out(`  ${command}`);
      },
    },
    {
      name: 'list',
      summary: 'the fleet view: status, slots used/total, CLIs of every machine',
      usage: 'openase machine list [--json]',
      options: { ...JSON_OPTION },
      async run(args, io) {
        const fleet = await apiClientFromEnv(io.env).machines.list.query();
        if (args.values.json) return printJson(io, fleet);
        printTable(
          io,
          ['NAME', 'KIND', 'STATUS', 'SLOTS', 'LABELS', 'CLIS', 'LAST SEEN'],
          fleet.machines.map((m) => [m.name, m.kind, m.status, `${m.slots.used}/${m.slots.total}`, m.labels.join(','), describeClis(m.clis), m.lastSeenAt ?? 'never']),
          'no machines; add one with `openase machine join-token create`',
        );
        const t = fleet.totals;
        io.out(`${t.online}/${t.machines} machine(s) online; slots used ${t.slotsUsed}, free ${t.slotsFree}`);
      },
    },
    {
      name: 'show',
      summary: 'one machine of the fleet view',
      usage: 'openase machine show NAME [--json]',
      options: { ...JSON_OPTION },
      async run(args, io) {
        const m = await apiClientFromEnv(io.env).machines.show.query({ name: requirePositional(args, 0, 'machine NAME') });
        if (args.values.json) return printJson(io, m);
        printFields(io, [
          ['name', m.name],
          ['kind', m.kind],
          ['status', m.status],
          ['slots', `${m.slots.used}/${m.slots.total} used`],
          ['labels', m.labels.join(', ')],
          ['runs', m.runningRuns.join(', ') || 'none'],
          ['clis', describeClis(m.clis)],
          ['host', `${m.hostname ?? '?'} (${m.os ?? '?'}/${m.arch ?? '?'})`],
          ['daemon', m.daemonVersion ?? '?'],
          ['last seen', m.lastSeenAt ? String(m.lastSeenAt) : 'never'],
          ...(m.ssh ? ([['ssh', `${m.ssh.user}@${m.ssh.host}:${m.ssh.port}`], ['host key', m.ssh.fingerprint ?? `NOT TRUSTED (seen ${m.ssh.seenFingerprint ?? 'nothing yet'}); run \`openase machine trust ${m.name}\``]] as Array<[string, string]>) : []),
        ]);
      },
    },
    {
      name: 'revoke',
      summary: 'revoke a machine: its credential stops working',
      usage: 'openase machine revoke NAME [--json]',
      options: { ...JSON_OPTION },
      async run(args, io) {
        const machine = await apiClientFromEnv(io.env).machines.revoke.mutate({ name: requirePositional(args, 0, 'machine NAME') });
        if (args.values.json) return printJson(io, machine);
        io.out(`revoked machine ${machine.name}`);
      },
    },
  ],
};

function describeClis(clis: unknown): string {
  if (!Array.isArray(clis) || clis.length === 0) return 'none';
  return (clis as Array<{ name: string; version: string | null }>).map((c) => `${c.name} ${c.version ?? '?'}`).join(', ');
}
