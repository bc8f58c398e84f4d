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
  const result = await deps.db.transaction((tx) => work(tx, changes));
  publishChanges(deps, changes);
  return result;
}
