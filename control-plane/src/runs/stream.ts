/**
 * A run's events as a resumable stream by (runId, seq): replay what is stored after `afterSeq`,
 * then follow. The bus only says "this run stored up to N"; events are always read from the
 * database, so order and completeness come from `(run_id, seq)`, never from the notification.
 * Ends once the run has ended and every stored event was yielded.
 */
import { TERMINAL_RUN_STATES, type RunState, type SequencedRunEvent } from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import { whenAborted } from '../kernel/abort.js';
import { getRun, listRunEvents } from './runs.js';

export async function* streamRunEvents(
  deps: Deps,
  orgId: string,
  query: { runId: string; afterSeq: number },
  signal?: AbortSignal,
): AsyncGenerator<SequencedRunEvent> {
  let wake: (() => void) | null = null;
  let dirty: boolean;
  const unsubscribe = deps.bus.onRun((change) => {
    if (change.runId !== query.runId) return;
    dirty = true;
    wake?.();
  });
  const aborted = whenAborted(signal);
  let last = query.afterSeq;
  try {
    while (!signal?.aborted) {
      dirty = false;
      const run = await getRun(deps.db, orgId, query.runId);
      for (;;) {
        const page = await listRunEvents(deps.db, orgId, { run: query.runId, afterSeq: last, limit: 1000 });
        for (const e of page) {
          last = e.seq;
          yield e;
        }
        if (page.length < 1000) break;
      }
      if (TERMINAL_RUN_STATES.has(run.state as RunState) && last >= run.ackedSeq) return;
      if (!dirty) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
