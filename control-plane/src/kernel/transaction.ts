import type { Tx } from '../db/database.js';
import type { ActivityEntry } from '../activity/activity.js';
import type { Deps } from './context.js';

/** Collects what a transaction changed, to be published once it has committed. */
export interface Changes {
  activity: ActivityEntry[];
}

/**
 * Runs `work` in one transaction and publishes its recorded activity after commit.
 * Keep the work short: on PGlite all transactions share one connection.
 */
export async function inTransaction<T>(deps: Deps, work: (tx: Tx, changes: Changes) => Promise<T>): Promise<T> {
  const changes: Changes = { activity: [] };
  const result = await deps.db.transaction((tx) => work(tx, changes));
  deps.bus.publishActivity(changes.activity);
  return result;
}
