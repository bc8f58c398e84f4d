/**
 * Stopping a run for a reason the platform decides (timeout, stall, budget, a ticket moved out of
 * its workflow) or a person asked for. A queued run ends at once; an offered or running one is
 * marked (`cancel_requested_at`, `stop_as`) and its daemon told with `run.cancel`, which the hub
 * repeats when the machine reconnects; the run takes the `stop_as` state when the daemon reports
 * it finished.
 */
import { eq } from 'drizzle-orm';
import { TERMINAL_RUN_STATES } from '@openase/shared';
import { runs } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import type { MachineCommand } from '../kernel/transaction.js';
import { lockRun, transition, type Run } from './runs.js';

export type StopAs = 'canceled' | 'timed_out' | 'stalled' | 'failed';

/** The `run.cancel` a stopped run's machine must hear; null when the run never reached a machine. */
export function cancelCommand(run: Run): MachineCommand | null {
  if (!run.machineId || run.state === 'queued' || run.leaseEpoch <= 0) return null;
  return {
    machineId: run.machineId,
    frame: { type: 'run.cancel', runId: run.id, leaseEpoch: run.leaseEpoch, graceMs: 10_000 },
  };
}

/** Returns the run after the request, or null when it had already ended. */
export async function stopRunInTx(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  runId: string,
  as: StopAs,
  reason: string,
): Promise<Run | null> {
  const run = await lockRun(tx, runId);
  if (!run || TERMINAL_RUN_STATES.has(run.state)) return null;
  const now = deps.clock.now();
  if (run.state === 'queued')
    return transition(tx, deps, run, as, reason, { cancelRequestedAt: now, stopAs: as, finishedAt: now });
  if (run.cancelRequestedAt) return run;
  const [updated] = await tx
    .update(runs)
    .set({ cancelRequestedAt: now, stopAs: as, stateReason: reason, updatedAt: now })
    .where(eq(runs.id, run.id))
    .returning();
  return updated!;
}
