import type { ControlFrame } from '@openase/shared';
import type { Tx } from '../db/database.js';
import type { ActivityEntry } from '../activity/activity.js';
import type { Deps } from './context.js';

/** A frame for a machine, sent once the transaction that decided it has committed. */
export interface MachineCommand {
  machineId: string;
  frame: ControlFrame;
}

/** Collects what a transaction changed, to be published once it has committed. */
export interface Changes {
  activity: ActivityEntry[];
  /** Sent by the replica holding each machine's socket (fleet/machine-commands.ts), never through the log. */
  commands: MachineCommand[];
  /** The statements the work issued last without awaiting them (`commitWith`). */
  last?: Promise<unknown>;
}

/**
 * Makes `statements` the transaction's last: issued by the work and not awaited, they share the COMMIT's round trip
 * on PostgreSQL (a connection runs its statements in the order sent, and the COMMIT is sent once the work returns).
 * The transaction has committed only if every one of them succeeded: one that failed turned the COMMIT into a
 * ROLLBACK, and `inTransaction` throws its error. So nothing the work does after them may decide to roll back, and
 * each must be issued before the work returns (db/prepared.ts refuses a statement issued later; PGlite does too).
 */
export function commitWith(changes: Changes, statements: PromiseLike<unknown>): void {
  // `then` once, now: a drizzle query runs each time it is awaited.
  const last = new Promise((resolve, reject) => statements.then(resolve, reject));
  last.catch(() => {}); // awaited by inTransaction, once the transaction has ended
  changes.last = last;
}

export function noChanges(): Changes {
  return { activity: [], commands: [] };
}

/** Publishes what a committed transaction changed: its log entries, then its commands to machines. */
export function publishChanges(deps: Pick<Deps, 'bus'>, changes: Changes): void {
  deps.bus.publishActivity(changes.activity);
  if (changes.commands.length) deps.bus.publishCommands(changes.commands);
}

/**
 * Runs `work` in one transaction and publishes its recorded activity after commit.
 * Keep the work short: on PGlite all transactions share one connection.
 */
export async function inTransaction<T>(deps: Deps, work: (tx: Tx, changes: Changes) => Promise<T>): Promise<T> {
  const changes = noChanges();
  let result: T;
  try {
    result = await deps.db.transaction(async (tx) => {
      const value = await work(tx, changes);
      // A last statement may be issued some microtasks after the call that started it (an async helper's first
      // `await`, a `then`): one macrotask on, all of them are on the connection ahead of the COMMIT. Without this
      // wait such a statement could be refused after the COMMIT had gone out behind the others (transaction.test).
      if (changes.last) await new Promise((resolve) => setImmediate(resolve));
      return value;
    });
  } catch (err) {
    // PGlite says only that the COMMIT became a ROLLBACK; a failed last statement says why.
    await changes.last;
    throw err;
  }
  await changes.last;
  publishChanges(deps, changes);
  return result;
}
