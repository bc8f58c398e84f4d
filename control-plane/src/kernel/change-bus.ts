/**
 * In-process fan-out of committed changes to live subscribers (SSE, tRPC subscriptions).
 * Only ever published to after the transaction that made the change has committed. With several
 * control-plane replicas, `replica-relay.ts` forwards each publication to the other replicas.
 */
import { EventEmitter } from 'node:events';
import type { SequencedRunEvent } from '@openase/shared';
import type { ActivityEntry } from '../activity/activity.js';
import type { MachineCommand } from './transaction.js';

/**
 * Events a machine just sent for a run, before they are stored: the live tail a run's stream yields ahead of the
 * commit (runs/stream.ts) when `machineId` and `leaseEpoch` are the run's holder as the stream last read it.
 */
export interface LiveEvents {
  machineId: string;
  runId: string;
  leaseEpoch: number;
  events: readonly SequencedRunEvent[];
}

/** A run stored events up to `ackedSeq` or changed state. */
export interface RunChange {
  runId: string;
  ackedSeq: number;
  state: string;
  /** The change stored usage or cost events (the orchestrator checks budgets only then). */
  costed?: boolean;
}

export interface ChangeBus {
  /** Delivers to local listeners and to the relay (other replicas), if one is attached. */
  publishActivity(entries: ActivityEntry[]): void;
  /** Delivers to local listeners only: for entries that arrived from another replica. */
  deliverActivity(entries: ActivityEntry[]): void;
  onActivity(listener: (entry: ActivityEntry) => void): () => void;
  /**
   * `stored`: the events this change stored, in seq order, exactly as stored (ingest). Local listeners only (a run's
   * event stream yields them without reading them back); other replicas get the change alone and read the database.
   */
  publishRun(change: RunChange, stored?: readonly SequencedRunEvent[]): void;
  deliverRun(change: RunChange): void;
  onRun(listener: (change: RunChange, stored?: readonly SequencedRunEvent[]) => void): () => void;
  /** Local only, and only to the listeners of that run (a frame of one run costs nothing per other stream). */
  publishLive(live: LiveEvents): void;
  onLive(runId: string, listener: (live: LiveEvents) => void): () => void;
  /**
   * These people's inboxes may have changed. Local only: every replica derives notifications from every change it
   * sees (its own and relayed ones), so each tells its own subscribers.
   */
  publishInbox(userIds: string[]): void;
  onInbox(listener: (userIds: string[]) => void): () => void;
  /**
   * Frames for machines decided by a committed transaction. Local: the fleet sends each to its machine, or forwards
   * it on the channel of the replica holding the machine's socket (fleet/machine-commands.ts).
   */
  publishCommands(commands: MachineCommand[]): void;
  onCommands(listener: (commands: MachineCommand[]) => void): () => void;
  /** Attaches the cross-replica relay; returns a function that detaches it. */
  setRelay(relay: Relay): () => void;
}

export interface Relay {
  activity(entries: ActivityEntry[]): void;
  run(change: RunChange): void;
}

export function createChangeBus(): ChangeBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let relay: Relay | null = null;
  const live = new Map<string, Set<(live: LiveEvents) => void>>();
  const deliverActivity = (entries: ActivityEntry[]) => {
    for (const entry of entries) emitter.emit('activity', entry);
  };
  const deliverRun = (change: RunChange, stored?: readonly SequencedRunEvent[]) => emitter.emit('run', change, stored);
  return {
    publishActivity(entries) {
      deliverActivity(entries);
      if (entries.length) relay?.activity(entries);
    },
    deliverActivity,
    onActivity(listener) {
      emitter.on('activity', listener);
      return () => emitter.off('activity', listener);
    },
    publishRun(change, stored) {
      deliverRun(change, stored);
      relay?.run(change);
    },
    deliverRun: (change) => deliverRun(change),
    onRun(listener) {
      emitter.on('run', listener);
      return () => emitter.off('run', listener);
    },
    publishLive(events) {
      const listeners = live.get(events.runId);
      if (listeners) for (const listener of listeners) listener(events);
    },
    onLive(runId, listener) {
      let listeners = live.get(runId);
      if (!listeners) live.set(runId, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && live.get(runId) === listeners) live.delete(runId);
      };
    },
    publishInbox(userIds) {
      if (userIds.length) emitter.emit('inbox', userIds);
    },
    onInbox(listener) {
      emitter.on('inbox', listener);
      return () => emitter.off('inbox', listener);
    },
    publishCommands(commands) {
      emitter.emit('commands', commands);
    },
    onCommands(listener) {
      emitter.on('commands', listener);
      return () => emitter.off('commands', listener);
    },
    setRelay(next) {
      relay = next;
      return () => {
        if (relay === next) relay = null;
      };
    },
  };
}
