/**
 * Leader election among control-plane replicas sharing one PostgreSQL: the leader is the process
 * holding a session advisory lock on a reserved connection. Periodic work (sweeps, lease reaping,
 * cron) runs only on the leader; it must still be idempotent, because leadership is lost the
 * moment the reserved connection drops (the server releases the lock) and another replica may
 * take over before this one notices.
 *
 * PGlite is one process by construction (the data-dir lock), so it is always the leader.
 */
import postgres from 'postgres';
import type { Database } from '../db/database.js';
import type { Logger } from './logger.js';
import { ADVISORY_LOCKS } from '../db/advisory-locks.js';

export const LEADER_LOCK_KEY = ADVISORY_LOCKS.leader;

export interface Leadership {
  isLeader(): boolean;
  /** Called with true when this process becomes leader and false when it stops being one. */
  onChange(listener: (leader: boolean) => void): () => void;
  stop(): Promise<void>;
}

export interface LeaderOptions {
  /** How often a follower retries the lock and a leader checks its connection (ms). */
  checkIntervalMs?: number;
  log?: Logger;
  key?: number;
}

export async function startLeaderElection(database: Database, opts: LeaderOptions = {}): Promise<Leadership> {
  const listeners = new Set<(leader: boolean) => void>();
  let leader = false;
  const set = (value: boolean) => {
    if (value === leader) return;
    leader = value;
    opts.log?.info(
      value ? 'this control plane is now the leader (runs sweeps and schedules)' : 'this control plane lost leadership',
    );
    for (const l of listeners) l(value);
  };
  const base = {
    isLeader: () => leader,
    onChange(listener: (leader: boolean) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  if (database.target.kind !== 'postgres') {
    set(true);
    return {
      ...base,
      async stop() {
        set(false);
      },
    };
  }

  const key = opts.key ?? LEADER_LOCK_KEY;
  const interval = opts.checkIntervalMs ?? 5000;
  // A dedicated one-connection client: postgres.js reconnects it after a failure, and a new
  // backend does not hold the lock, so each check asks pg_locks whether *this* backend holds it
  // (a mere "select 1" would succeed on the fresh connection and keep a stale leader).
  const sql = postgres(database.target.url, { max: 1, idle_timeout: 0, onnotice: () => {} });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const tick = async () => {
    try {
      if (leader) {
        const [row] = await sql<{ held: boolean }[]>`
          select exists(select 1 from pg_locks where locktype = 'advisory' and objid = ${key} and pid = pg_backend_pid() and granted) as held`;
        if (!row?.held) set(false);
      } else {
        const [row] = await sql<{ ok: boolean }[]>`select pg_try_advisory_lock(${key}) as ok`;
        if (row?.ok) set(true);
      }
    } catch (err) {
      if (leader) opts.log?.warn(`leader connection failed: ${(err as Error).message}`);
      set(false);
    }
  };

  const loop = async () => {
    await tick();
    if (!stopped) timer = setTimeout(() => void loop(), interval);
  };
  await loop();

  return {
    ...base,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      set(false);
      // Closing the session releases its advisory locks.
      await sql.end({ timeout: 2 }).catch(() => {});
    },
  };
}
