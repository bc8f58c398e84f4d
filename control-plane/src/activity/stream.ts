/**
 * A project's activity as a resumable stream: replay everything after `afterSeq` from the
 * database, then follow live entries from the bus. The bus is subscribed *before* the replay
 * query so nothing committed in between is missed; `seq` de-duplicates the overlap.
 */
import type { Deps } from '../kernel/context.js';
import { whenAborted } from '../kernel/abort.js';
import { listActivity, type ActivityEntry } from './activity.js';

export async function* streamProjectActivity(
  deps: Deps,
  query: { projectId: string; afterSeq: number; ticketId?: string },
  signal?: AbortSignal,
): AsyncGenerator<ActivityEntry> {
  const pending: ActivityEntry[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = deps.bus.onActivity((entry) => {
    if (entry.projectId !== query.projectId) return;
    if (query.ticketId && entry.ticketId !== query.ticketId) return;
    pending.push(entry);
    wake?.();
  });
  const aborted = whenAborted(signal);
  let last = query.afterSeq;
  try {
    for (;;) {
      const replay = await listActivity(deps.db, { ...query, afterSeq: last, limit: 500 });
      for (const entry of replay) {
        last = entry.seq!;
        yield entry;
      }
      if (replay.length < 500) break;
    }
    while (!signal?.aborted) {
      while (pending.length > 0) {
        const entry = pending.shift()!;
        if (entry.seq! <= last) continue;
        if (entry.seq! > last + 1 && !query.ticketId) {
          // A gap means another process committed entries this one never saw: fetch them.
          for (const missed of await listActivity(deps.db, {
            ...query,
            afterSeq: last,
            limit: entry.seq! - last - 1,
          })) {
            last = missed.seq!;
            yield missed;
          }
        }
        last = entry.seq!;
        yield entry;
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
