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
import type { ChangeBus } from './change-bus.js';
import type { PubSub } from './pubsub.js';

export const ACTIVITY_CHANNEL = 'openase_activity';
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
  const detach = bus.setRelay((entries) => {
    const ids = entries.map((e) => e.id);
    for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
      const notice: ActivityNotice = { o: replicaId, ids: ids.slice(i, i + IDS_PER_NOTIFY) };
      pubsub.notify(ACTIVITY_CHANNEL, JSON.stringify(notice)).catch((err: Error) => opts.log?.(`could not relay activity to other replicas: ${err.message}`));
    }
  });
  return async () => {
    detach();
    await stopListening();
  };
}
