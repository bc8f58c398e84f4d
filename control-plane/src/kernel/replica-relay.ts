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
import type { PubSub } from './pubsub.js';

export const ACTIVITY_CHANNEL = 'openase_activity';
/** Run progress (`RunChange`, a few dozen bytes): followers of a run's transcript re-read from the database. */
export const RUN_CHANNEL = 'openase_runs';
/** Ids per notification: 200 × ~10 digits stays far below the payload limit. */
const IDS_PER_NOTIFY = 200;

interface ActivityNotice {
  /** The replica that committed the entries (it already delivered them locally). */
  o: string;
  ids: number[];
}

export async function relayActivityAcrossReplicas(opts: { bus: ChangeBus; pubsub: PubSub; db: Db; replicaId: string; log?: (line: string) => void }): Promise<() => Promise<void>> {
  const { bus, pubsub, db, replicaId } = opts;
  const stopListening = await pubsub.listen(ACTIVITY_CHANNEL, (payload) => {
    let notice: ActivityNotice;
    try {
      notice = JSON.parse(payload) as ActivityNotice;
    } catch {
      opts.log?.(`ignored a malformed ${ACTIVITY_CHANNEL} notification`);
      return;
    }
    if (notice.o === replicaId || !Array.isArray(notice.ids) || notice.ids.length === 0) return;
    void db
      .select()
      .from(activity)
      .where(inArray(activity.id, notice.ids.filter(Number.isInteger)))
      .orderBy(asc(activity.id))
      .then((rows) => bus.deliverActivity(rows))
      .catch((err: Error) => opts.log?.(`could not load relayed activity: ${err.message}`));
  });
  const stopListeningRuns = await pubsub.listen(RUN_CHANNEL, (payload) => {
    try {
      const notice = JSON.parse(payload) as { o: string; c: RunChange };
      if (notice.o !== replicaId && typeof notice.c?.runId === 'string') bus.deliverRun(notice.c);
    } catch {
      opts.log?.(`ignored a malformed ${RUN_CHANNEL} notification`);
    }
  });
  const failed = (what: string) => (err: Error) => opts.log?.(`could not relay ${what} to other replicas: ${err.message}`);
  const detach = bus.setRelay({
    activity(entries) {
      const ids = entries.map((e) => e.id);
      for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
        const notice: ActivityNotice = { o: replicaId, ids: ids.slice(i, i + IDS_PER_NOTIFY) };
        pubsub.notify(ACTIVITY_CHANNEL, JSON.stringify(notice)).catch(failed('activity'));
      }
    },
    run(change) {
      pubsub.notify(RUN_CHANNEL, JSON.stringify({ o: replicaId, c: change })).catch(failed('run progress'));
    },
  });
  return async () => {
    detach();
    await stopListening();
    await stopListeningRuns();
  };
}
