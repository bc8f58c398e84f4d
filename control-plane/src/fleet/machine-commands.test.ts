import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { ControlFrame } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';
import { fakeDaemon, helloFrame } from '../../test/fake-daemon.js';
import { openDatabase } from '../db/database.js';
import { machineCommands } from '../db/schema.js';
import { createChangeBus } from '../kernel/change-bus.js';
import { createPubSub } from '../kernel/pubsub.js';
import { inTransaction } from '../kernel/transaction.js';
import { createJoinToken, redeemJoinToken } from './join.js';
import { FleetHub } from './hub.js';
import { forwardCommandsAcrossReplicas } from './machine-commands.js';

forEachDatabase('commands to machines across replicas', (get) => {
  it("a command decided on one replica reaches the machine through the replica holding its socket, once, with a frame larger than NOTIFY's limit", async (ctx) => {
    const { target, database, deps, admin } = get();
    if (target.kind !== 'postgres') return ctx.skip(); // PGlite is a single process: nothing to forward
    const other = await openDatabase(target, { migrate: false });
    const depsB = { ...deps, db: other.db, bus: createChangeBus() };
    const hubA = new FleetHub(deps, { replicaId: 'replica-a' });
    const hubB = new FleetHub(depsB, { replicaId: 'replica-b' });
    const stopA = await forwardCommandsAcrossReplicas({
      deps,
      hub: hubA,
      pubsub: createPubSub(database),
      replicaId: 'replica-a',
    });
    const stopB = await forwardCommandsAcrossReplicas({
      deps: depsB,
      hub: hubB,
      pubsub: createPubSub(other),
      replicaId: 'replica-b',
    });
    try {
      const join = await createJoinToken(deps, admin, { labels: ['cmd'] });
      const { machine } = await redeemJoinToken(deps, join.token, { name: `cmd-${Date.now()}`, slots: 1 });
      const { frames: received, conn } = fakeDaemon(hubB, machine);
      conn.receive(helloFrame({ labels: ['cmd'] }));
      await waitFor('the welcome on replica b', () => received.some((f) => f.type === 'welcome'));
      // A chat turn's answer can carry a long message: more than a NOTIFY payload may hold.
      const input = 'x'.repeat(12_000);
      const frame: ControlFrame = {
        type: 'run.next',
        runId: deps.ids.uuid(),
        leaseEpoch: 1,
        turn: 1,
        action: 'continue',
        input,
      };
      // Decided in a transaction on replica a, which does not hold the machine.
      await inTransaction(deps, async (_tx, changes) => {
        changes.commands.push({ machineId: machine.id, frame });
      });
      await waitFor('the command on replica b', () => received.some((f) => f.type === 'run.next'));
      expect(received.filter((f) => f.type === 'run.next')).toEqual([frame]);
      // Taken once: nothing waits in the table, and a repeated notification finds nothing to send.
      expect(await deps.db.select().from(machineCommands).where(eq(machineCommands.machineId, machine.id))).toEqual([]);
    } finally {
      await stopA();
      await stopB();
      await hubA.stop();
      await hubB.stop();
      await other.close();
    }
  });
});
