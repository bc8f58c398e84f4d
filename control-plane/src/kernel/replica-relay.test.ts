import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { openDatabase } from '../db/database.js';
import { createChangeBus } from './change-bus.js';
import { createPubSub } from './pubsub.js';
import { relayActivityAcrossReplicas } from './replica-relay.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from '../tickets/tickets.js';
import type { ActivityEntry } from '../activity/activity.js';
import { waitFor } from '../../test/wait.js';

forEachDatabase('activity relay between replicas', (get) => {
  it('delivers activity committed on one replica to listeners on another, once', async (ctx) => {
    const { target, database, deps, admin } = get();
    if (target.kind !== 'postgres') return ctx.skip(); // PGlite is a single process: nothing to relay
    const other = await openDatabase(target, { migrate: false });
    const otherBus = createChangeBus();
    const stopA = await relayActivityAcrossReplicas({
      bus: deps.bus,
      pubsub: createPubSub(database),
      db: deps.db,
      replicaId: 'a',
    });
    const stopB = await relayActivityAcrossReplicas({
      bus: otherBus,
      pubsub: createPubSub(other),
      db: other.db,
      replicaId: 'b',
    });
    const seenOnB: ActivityEntry[] = [];
    const seenOnA: ActivityEntry[] = [];
    const offB = otherBus.onActivity((e) => seenOnB.push(e));
    const offA = deps.bus.onActivity((e) => seenOnA.push(e));
    try {
      const project = await createProject(deps, admin, { name: `Relay ${Date.now()}` });
      await createTicket(deps, admin, { project: project.slug, title: 'made on replica a' });
      await waitFor(() => seenOnB.some((e) => e.action === 'ticket.created'), {
        what: 'the ticket activity on replica b',
      });
      expect(seenOnB.map((e) => e.action)).toEqual(seenOnA.map((e) => e.action));
      expect(seenOnA.filter((e) => e.action === 'ticket.created')).toHaveLength(1);
    } finally {
      offA();
      offB();
      await stopA();
      await stopB();
      await other.close();
    }
  });
});
