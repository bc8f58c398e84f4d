/**
 * Cross-process signals over the database's LISTEN/NOTIFY, on PGlite and PostgreSQL alike.
 * Used to tell other control-plane replicas that something changed (activity committed, a
 * command for a machine whose socket they hold). NOTIFY is delivered at commit, carries at most
 * ~8000 bytes and has no replay: `onReady` runs on every (re)connect of the listening
 * connection, and listeners must rescan the database there for anything they may have missed.
 */
import type { Database } from '../db/database.js';

/** Payloads above this are refused: PostgreSQL's limit is 8000 bytes, minus headroom. */
export const MAX_NOTIFY_BYTES = 7900;

export interface PubSub {
  notify(channel: string, payload: string): Promise<void>;
  /** Returns a function that stops listening. */
  listen(channel: string, onMessage: (payload: string) => void, onReady?: () => void): Promise<() => Promise<void>>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel))
    throw new Error(`invalid NOTIFY channel "${channel}": lowercase letters, digits and underscores`);
}

function checkPayload(channel: string, payload: string): void {
  const size = Buffer.byteLength(payload);
  if (size > MAX_NOTIFY_BYTES)
    throw new Error(`NOTIFY payload on ${channel} is ${size} bytes; the limit is ${MAX_NOTIFY_BYTES}`);
}

export function createPubSub(database: Database): PubSub {
  const { pglite, postgres } = database.raw;
  if (pglite) {
    return {
      async notify(channel, payload) {
        checkChannel(channel);
        checkPayload(channel, payload);
        await pglite.query('select pg_notify($1, $2)', [channel, payload]);
      },
      async listen(channel, onMessage, onReady) {
        checkChannel(channel);
        const stop = await pglite.listen(channel, onMessage);
        onReady?.(); // one in-process connection: it never reconnects
        return async () => {
          await stop();
        };
      },
    };
  }
  if (postgres) {
    return {
      async notify(channel, payload) {
        checkChannel(channel);
        checkPayload(channel, payload);
        await postgres.notify(channel, payload);
      },
      async listen(channel, onMessage, onReady) {
        checkChannel(channel);
        // postgres.js keeps a dedicated listening connection, reconnects it with backoff and
        // calls the third argument after every (re)connect.
        const { unlisten } = await postgres.listen(channel, onMessage, () => onReady?.());
        return async () => {
          await unlisten();
        };
      },
    };
  }
  throw new Error('database handle has neither a PGlite nor a postgres client');
}
