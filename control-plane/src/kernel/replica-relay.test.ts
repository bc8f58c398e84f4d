import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { openDatabase } from '../db/database.js';
import { createChangeBus } from './change-bus.js';
import { createPubSub } from './pubsub.js';
import { relayActivityAcrossReplicas } from './replica-relay.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from '../tickets/tickets.js';
import type { ActivityEntry } from '../activity/activity.js';
import { waitFor } from '@openase/test-kit/wait';
import type { Db } from '../db/database.js';

/** `db`, but the first query built from `select()` answers 300 ms late. */
function slowFirstRead(db: Db): Db {
  let first = true;
  const late = <T extends object>(builder: T, ms: number): T =>
    new Proxy(builder, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'then')
          return (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) =>
            new Promise((r) => setTimeout(r, ms)).then(() =>
              (value as PromiseLike<unknown>['then']).call(target, ok, fail),
            );
        return (...args: unknown[]) => late((value as (...a: unknown[]) => object).apply(target, args), ms);
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop !== 'select' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const ms = first ? 300 : 0;
        first = false;
        return late((value as (...a: unknown[]) => object).apply(target, args), ms);
      };
    },
  });
}

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
      db: slowFirstRead(other.db),
      replicaId: 'b',
    });
    const seenOnB: ActivityEntry[] = [];
    const seenOnA: ActivityEntry[] = [];
    const offB = otherBus.onActivity((e) => seenOnB.push(e));
    const offA = deps.bus.onActivity((e) => seenOnA.push(e));
    try {
      const project = await createProject(deps, admin, { name: `Relay ${Date.now()}` });
      // Several commits in a row, and B's read of the first (the project's seven rows) answers late, as a busy
      // pool connection would: B must still deliver in commit order (CI once saw a ticket's row overtake them).
      for (let i = 1; i <= 10; i++) await createTicket(deps, admin, { project: project.slug, title: `made on a ${i}` });
      await waitFor(
        'the ticket activity on replica b',
        () => seenOnB.filter((e) => e.action === 'ticket.created').length === 10,
      );
      expect(seenOnB.map((e) => e.id)).toEqual(seenOnA.map((e) => e.id));
      expect(seenOnA.filter((e) => e.action === 'ticket.created')).toHaveLength(10);
    } finally {
      offA();
      offB();
      await stopA();
      await stopB();
      await other.close();
    }
  });
});
