import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { openDatabase } from '../db/database.js';
import { startLeaderElection } from './leader.js';
import { waitFor } from '@openase/test-kit/wait';

forEachDatabase('leader election', (get) => {
  it('makes exactly one of two replicas leader, and hands over when the leader stops', async () => {
    const { target, database } = get();
    if (target.kind === 'pglite') {
      const only = await startLeaderElection(database);
      expect(only.isLeader()).toBe(true);
      await only.stop();
      expect(only.isLeader()).toBe(false);
      return;
    }
    const other = await openDatabase(target, { migrate: false });
    const key = 0x7e57_0001 + Math.floor(Math.random() * 1000);
    const a = await startLeaderElection(database, { key, checkIntervalMs: 20 });
    const b = await startLeaderElection(other, { key, checkIntervalMs: 20 });
    try {
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      const changes: boolean[] = [];
      b.onChange((l) => changes.push(l));
      await a.stop();
      await waitFor('the follower to take over', () => b.isLeader());
      expect(changes).toEqual([true]);
    } finally {
      await a.stop();
      await b.stop();
      await other.close();
    }
  });

  it('loses leadership when its connection is killed, and another replica takes over', async (ctx) => {
    const { target, database } = get();
    if (target.kind !== 'postgres') return ctx.skip();
    const other = await openDatabase(target, { migrate: false });
    const key = 0x7e57_2000 + Math.floor(Math.random() * 1000);
    const a = await startLeaderElection(other, { key, checkIntervalMs: 20 });
    const b = await startLeaderElection(database, { key, checkIntervalMs: 20 });
    try {
      expect(a.isLeader()).toBe(true);
      // Kill the backend that holds the lock, as a network failure or failover would.
      await database.raw
        .postgres!`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = ${key} and granted`;
      await waitFor('the other replica to take over', () => b.isLeader());
      await waitFor('the old leader to notice', () => !a.isLeader());
    } finally {
      await a.stop();
      await b.stop();
      await other.close();
    }
  });
});
