/**
 * A run's events as a resumable stream by (runId, seq): replay what is stored after `afterSeq`,
 * then follow. Order and completeness come from `(run_id, seq)`: the events this replica stores
 * arrive with the bus's change (exactly as stored) and are yielded from memory while they continue
 * the stream seq by seq; anything else (another replica's change, a state change, a gap, a reader
 * too slow to keep up) makes the stream read the database from its last seq. A slow reader thus
 * sheds to the stored stream instead of holding a growing queue. Ends once the run has ended and
 * every stored event was yielded.
 */
import { TERMINAL_RUN_STATES, type RunState, type SequencedRunEvent } from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import { whenAborted } from '../kernel/abort.js';
import { getRun, readRunEvents } from './runs.js';

/** Events held for one reader before it is sent to the database instead. */
export const MAX_HELD_EVENTS = 5_000;

export async function* streamRunEvents(
  deps: Deps,
  orgId: string,
  query: { runId: string; afterSeq: number },
  signal?: AbortSignal,
): AsyncGenerator<SequencedRunEvent> {
  let wake: (() => void) | null = null;
  // Handed over by the bus since the last look: stored events, in order; or `reread`: read the database.
  let held: (readonly SequencedRunEvent[])[] = [];
  let heldEvents = 0;
  let reread = true;
  const unsubscribe = deps.bus.onRun((change, stored) => {
    if (change.runId !== query.runId) return;
    if (!reread && stored?.length && heldEvents + stored.length <= MAX_HELD_EVENTS) {
      held.push(stored);
      heldEvents += stored.length;
    } else {
      reread = true;
      held = [];
      heldEvents = 0;
    }
    wake?.();
  });
  const aborted = whenAborted(signal);
  let last = query.afterSeq;
  try {
    while (!signal?.aborted) {
      if (reread) {
        reread = false;
        held = [];
        heldEvents = 0;
        const run = await getRun(deps.db, orgId, query.runId);
        for (;;) {
          const page = await readRunEvents(deps.db, { run: run.id, afterSeq: last, limit: 1000 });
          for (const e of page) {
            last = e.seq;
            yield e;
          }
          if (page.length < 1000) break;
        }
        if (TERMINAL_RUN_STATES.has(run.state as RunState) && last >= run.ackedSeq) return;
      }
      const chunks = held;
      held = [];
      heldEvents = 0;
      for (const chunk of chunks) {
        for (const e of chunk) {
          if (e.seq <= last) continue; // already read from the database
          if (e.seq !== last + 1) break; // a gap: the database has what is missing
          last = e.seq;
          yield e;
        }
        if (chunk.at(-1)!.seq > last) reread = true;
        if (reread) break;
      }
      if (!reread && held.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
