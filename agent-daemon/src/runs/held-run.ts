/**
 * What the daemon holds per run, whatever it executes: a plain command (RunHandle, run-handle.ts)
 * or an agent run (agent-runs/agent-run-handle.ts). Both keep their events in the same durable
 * spool (spool.ts) and the daemon sends, acknowledges and finishes them the same way.
 */
import type { Spool } from './spool.js';

export interface RunEnd {
  exitCode: number | null;
  signal: string | null;
  reason?: string;
  lastSeq: number;
}

export interface HeldRun {
  readonly runId: string;
  readonly state: { leaseEpoch: number; end?: RunEnd | null };
  readonly spool: Spool;
  /** Highest seq sent on the current connection. */
  sentSeq: number;
  ackedSeq: number;
  readonly finished: boolean;
  /** Picks up new events; true when there is something to send. */
  poll(): boolean;
  /** Cancel or time out the run; it ends on its own afterwards (`state.end`). */
  stop(reason: 'canceled' | 'timeout', graceMs: number): void;
  saveState(): void;
  /** Deletes the run's folder (closed by the control plane, or no longer ours). */
  remove(): void;
  /** The run is not ours (any more): stop it outright and forget it. */
  discard(): void;
  /** Re-reads every spooled event from disk (the control plane has fewer than it acked before). */
  reloadSpool(): void;
  /** Arms the run's deadline (again, after a daemon restart) when it has one. */
  armTimeout(): void;
  /** A (re)connection was welcomed: send again what still waits for an answer. */
  welcomed?(): void;
}
