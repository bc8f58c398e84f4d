/**
 * In-process fan-out of committed changes to live subscribers (SSE, tRPC subscriptions).
 * Only ever published to after the transaction that made the change has committed.
 */
import { EventEmitter } from 'node:events';
import type { ActivityEntry } from '../activity/activity.js';

export interface ChangeBus {
  publishActivity(entries: ActivityEntry[]): void;
  onActivity(listener: (entry: ActivityEntry) => void): () => void;
  /** A run stored events up to `ackedSeq` or changed state (published after commit). */
  publishRun(change: RunChange): void;
  onRun(listener: (change: RunChange) => void): () => void;
}

export interface RunChange {
  runId: string;
  ackedSeq: number;
  state: string;
}

export function createChangeBus(): ChangeBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publishActivity(entries) {
      for (const entry of entries) emitter.emit('activity', entry);
    },
    onActivity(listener) {
      emitter.on('activity', listener);
      return () => emitter.off('activity', listener);
    },
    publishRun(change) {
      emitter.emit('run', change);
    },
    onRun(listener) {
      emitter.on('run', listener);
      return () => emitter.off('run', listener);
    },
  };
}
