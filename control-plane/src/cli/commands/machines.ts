import { JSON_OPTION, UsageError, listOption, requirePositional, stringOption, type CommandGroup } from '../command.js';
import { apiClientFromEnv, resolveEndpoint } from '../client.js';
import { printJson, printTable } from '../output.js';
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
      summary: 'list machines',
      usage: 'openase machine list [--json]',
      options: { ...JSON_OPTION },
      async run(args, io) {
        const machines = await apiClientFromEnv(io.env).machines.list.query();
        if (args.values.json) return printJson(io, machines);
        printTable(
          io,
          ['NAME', 'KIND', 'SLOTS', 'LABELS', 'LAST SEEN', 'STATE'],
          machines.map((m) => [m.name, m.kind, m.slots, m.labels.join(','), m.lastSeenAt ?? 'never', m.revokedAt ? 'revoked' : 'registered']),
          'no machines; add one with `openase machine join-token create`',
        );
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
