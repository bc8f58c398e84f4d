/**
 * Carries committed activity between control-plane replicas that share one PostgreSQL, so a
 * browser connected to one replica sees changes made through another. A NOTIFY carries only the
 * entry ids (payloads are capped near 8000 bytes); the receiving replica reads the rows and
 * delivers them to its local listeners. Streams that follow a project by `seq` also refetch any
 * gap from the database, so a notification lost while a listener reconnects costs latency, not data.
 */
import { inArray, asc } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { activity } from '../db/schema.js';
import type { ChangeBus, RunChange } from './change-bus.js';
import type { Logger } from './logger.js';
import type { PubSub } from './pubsub.js';

export const ACTIVITY_CHANNEL = 'openase_activity';
/**
 * Run progress (`RunChange`, a few dozen bytes each): followers of a run's transcript re-read
 * from the database. Changes of one event-loop turn travel together (the latest per run), so a
 * busy ingest costs a NOTIFY per turn, not per stored batch.
 */
export const RUN_CHANNEL = 'openase_runs';
/** Run changes per notification: ~100 bytes each stays far below the payload limit. */
const RUN_CHANGES_PER_NOTIFY = 50;
/** Ids per notification: 200 × ~10 digits stays far below the payload limit. */
const IDS_PER_NOTIFY = 200;

interface RunNotice {
  o: string;
  cs: RunChange[];
}

interface ActivityNotice {
  /** The replica that committed the entries (it already delivered them locally). */
  o: string;
  ids: number[];
}

export async function relayActivityAcrossReplicas(opts: {
  bus: ChangeBus;
  pubsub: PubSub;
  db: Db;
  replicaId: string;
  log?: Logger;
}): Promise<() => Promise<void>> {
  const { bus, pubsub, db, replicaId } = opts;
  // Each notice's rows are read at once, but delivered in the order the notices came (commit order): reads run on
  // several pool connections, and a one-row read finishing before a larger one must not reorder the entries.
  let delivered: Promise<void> = Promise.resolve();
  const stopListening = await pubsub.listen(ACTIVITY_CHANNEL, (payload) => {
    let notice: ActivityNotice;
    try {
      notice = JSON.parse(payload) as ActivityNotice;
    } catch {
      opts.log?.warn(`ignored a malformed ${ACTIVITY_CHANNEL} notification`);
      return;
    }
    if (notice.o === replicaId || !Array.isArray(notice.ids) || notice.ids.length === 0) return;
    const rows = db
      .select()
      .from(activity)
      .where(inArray(activity.id, notice.ids.filter(Number.isInteger)))
      .orderBy(asc(activity.id))
      .execute(); // started now, not when the delivery before it is done
    delivered = delivered.then(() =>
      rows
        .then((entries) => bus.deliverActivity(entries))
        .catch((err: Error) => opts.log?.warn(`could not load relayed activity: ${err.message}`)),
    );
  });
  const stopListeningRuns = await pubsub.listen(RUN_CHANNEL, (payload) => {
    try {
      const notice = JSON.parse(payload) as RunNotice;
      if (notice.o === replicaId || !Array.isArray(notice.cs)) return;
      for (const change of notice.cs) if (typeof change?.runId === 'string') bus.deliverRun(change);
    } catch {
      opts.log?.warn(`ignored a malformed ${RUN_CHANNEL} notification`);
    }
  });
  const failed = (what: string) => (err: Error) =>
    opts.log?.warn(`could not relay ${what} to other replicas: ${err.message}`);
  /** NOTIFYs `items` in chunks of `per`, each chunk wrapped by `notice`. */
  const notifyInChunks = <T>(
    channel: string,
    items: T[],
    per: number,
    notice: (chunk: T[]) => ActivityNotice | RunNotice,
    what: string,
  ) => {
    for (let i = 0; i < items.length; i += per)
      pubsub.notify(channel, JSON.stringify(notice(items.slice(i, i + per)))).catch(failed(what));
  };
  let pendingRuns = new Map<string, RunChange>();
  const flushRuns = () => {
    const changes = [...pendingRuns.values()];
    pendingRuns = new Map();
    notifyInChunks(RUN_CHANNEL, changes, RUN_CHANGES_PER_NOTIFY, (cs) => ({ o: replicaId, cs }), 'run progress');
  };
  const detach = bus.setRelay({
    activity(entries) {
      notifyInChunks(
        ACTIVITY_CHANNEL,
        entries.map((e) => e.id),
        IDS_PER_NOTIFY,
        (ids) => ({ o: replicaId, ids }),
        'activity',
      );
    },
    run(change) {
      if (pendingRuns.size === 0) setImmediate(flushRuns);
      // A later change of a run supersedes an earlier one (keeping that either stored cost).
      const earlier = pendingRuns.get(change.runId);
      pendingRuns.set(change.runId, earlier?.costed && !change.costed ? { ...change, costed: true } : change);
    },
  });
  return async () => {
    detach();
    await stopListening();
    await stopListeningRuns();
  };
}
