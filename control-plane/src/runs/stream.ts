/**
 * A run's events as a resumable stream by (runId, seq): replay what is stored after `afterSeq`,
 * then follow. Order and completeness come from `(run_id, seq)`: the events this replica stores
 * arrive with the bus's change (exactly as stored) and are yielded from memory while they continue
 * the stream seq by seq; anything else (another replica's change, a state change, a gap, a reader
 * too slow to keep up) makes the stream read the database from its last seq. A slow reader thus
 * sheds to the stored stream instead of holding a growing queue. Ends once the run has ended and
 * every stored event was yielded.
 *
 * The live tail: events the run's machine has just sent to this replica are yielded before they
 * are stored, when they continue the stream and come from the run's holder (machine and lease
 * epoch) as the stream last read the run, which was offered, preparing or running. Waiting for the
 * commit made a viewer's latency that of the busiest transaction (docs/performance.md). They are
 * the events that will be stored: the daemon resends what is not acked with the same seq and
 * content (ingest is idempotent on `(run_id, seq)`), and a frame whose text would be mended for
 * PostgreSQL is not sent live (fleet/daemon-frames.ts). Live events never make the stream read the
 * database: one that does not continue it is dropped, and comes again stored.
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
  // Handed over by the bus since the last look: stored or live events, in order; or `reread`: read the database.
  let held: Chunk[] = [];
  let heldEvents = 0;
  let reread = true;
  // Who may send live events: the run's machine and lease as last read, once it accepted the run (else null).
  let holder: { machineId: string | null; leaseEpoch: number } | null = null;
  const hold = (events: readonly SequencedRunEvent[], live: boolean) => {
    held.push({ events, live });
    heldEvents += events.length;
    wake?.();
  };
  const offLive = deps.bus.onLive(query.runId, (live) => {
    if (reread || live.machineId !== holder?.machineId || live.leaseEpoch !== holder.leaseEpoch) return;
    if (live.events.length && heldEvents + live.events.length <= MAX_HELD_EVENTS) hold(live.events, true);
  });
  const unsubscribe = deps.bus.onRun((change, stored) => {
    if (change.runId !== query.runId) return;
    if (!reread && stored?.length && heldEvents + stored.length <= MAX_HELD_EVENTS) hold(stored, false);
    else {
      reread = true;
      held = [];
      heldEvents = 0;
      wake?.();
    }
  });
  const aborted = whenAborted(signal);
  let last = query.afterSeq;
  try {
    while (!signal?.aborted) {
      if (reread) {
        reread = false;
        held = [];
        heldEvents = 0;
        holder = null;
        const run = await getRun(deps.db, orgId, query.runId);
        const ended = TERMINAL_RUN_STATES.has(run.state as RunState);
        // Only a run its machine has accepted has a holder whose events may be shown before they are stored: its lease
        // cannot change under the stream any more (an accept ends the offer's deadline). An offered run's offer may
        // yet be withdrawn and made again, and the events sent under the old lease refused (ingest.test replays it);
        // a queued or ended run has no holder. Their events come stored.
        holder =
          run.state === 'preparing' || run.state === 'running'
            ? { machineId: run.machineId, leaseEpoch: run.leaseEpoch }
            : null;
        for (;;) {
          const page = await readRunEvents(deps.db, { run: run.id, afterSeq: last, limit: 1000 });
          for (const e of page) {
            last = e.seq;
            yield e;
          }
          if (page.length < 1000) break;
        }
        if (ended && last >= run.ackedSeq) return;
      }
      const chunks = held;
      held = [];
      heldEvents = 0;
      for (const chunk of chunks) {
        for (const e of chunk.events) {
          if (e.seq <= last) continue; // already yielded (read, stored or live)
          if (e.seq !== last + 1) break; // a gap: stored, the database has what is missing; live, it comes stored
          last = e.seq;
          yield e;
        }
        if (!chunk.live && chunk.events.at(-1)!.seq > last) reread = true;
        if (reread) break;
      }
      if (!reread && held.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
    offLive();
  }
}

/** Events the bus handed over: stored (after the commit) or live (as the machine sent them). */
interface Chunk {
  events: readonly SequencedRunEvent[];
  live: boolean;
}
