/**
 * Opening the database: PGlite in a data directory (default, embedded) or PostgreSQL through
 * postgres.js when a URL is given. Both yield the same drizzle handle type, so the domain never
 * knows which one it runs on.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import * as schema from './schema.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { runMigrations } from './migrate.js';
import { preparing } from './prepared.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
  /** Where it was opened: lets a component open its own dedicated connection (leader lock). */
  target: DatabaseTarget;
  db: Db;
  /** Raw access for the few things drizzle does not expose (LISTEN/NOTIFY, advisory locks). */
  raw: { pglite?: PGlite; postgres?: postgres.Sql };
  close(): Promise<void>;
}

export type DatabaseTarget =
  | {
      kind: 'pglite';
      dataDir: string | null /* null = in memory */;
      /** In memory only: start from this data dir image (PGlite's dumpDataDir), e.g. one already migrated. */
      image?: Blob;
    }
  | {
      kind: 'postgres';
      url: string;
      maxConnections?: number;
      /** pg_stat_activity.application_name of the pool's connections (metrics count them by it). */
      applicationName?: string;
    };

export async function openDatabase(target: DatabaseTarget, opts: { migrate?: boolean } = {}): Promise<Database> {
  const database = target.kind === 'pglite' ? await openPglite(target) : openPostgres(target);
  if (opts.migrate !== false) {
    try {
      await runMigrations(database, target);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

async function openPglite(target: Extract<DatabaseTarget, { kind: 'pglite' }>): Promise<Database> {
  const { dataDir } = target;
  let lock: DataDirLock | null = null;
  if (dataDir) lock = acquireDataDirLock(dataDir);
  try {
    const client = dataDir
      ? await PGlite.create(dataDir)
      : await PGlite.create(target.image ? { loadDataDir: target.image } : {});
    const db = drizzlePglite({ client, schema, ...queryStatsLogger() });
    return databaseOf(target, db, { pglite: client }, async () => {
      await client.close();
      lock?.release();
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Database {
  const client = postgres(target.url, {
    max: target.maxConnections ?? 10,
    onnotice: () => {},
    ...(target.applicationName ? { connection: { application_name: target.applicationName } } : {}),
  });
  const db = drizzlePostgres({ client: preparing(client), schema, ...queryStatsLogger() });
  return databaseOf(target, db, { postgres: client }, async () => {
    await client.end({ timeout: 5 });
  });
}

/** The `Database` of an opened driver: both drivers' drizzle handles are a `Db` (see the file's comment). */
function databaseOf(target: DatabaseTarget, db: Db, raw: Database['raw'], close: () => Promise<void>): Database {
  return { kind: target.kind, target, db, raw, close };
}

/** Rows of a raw `execute`: postgres.js returns the rows array itself, PGlite a result with `rows`. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * OPENASE_QUERY_STATS=1: counts statements by their text and prints the most frequent every 10 s
 * (to stderr), for finding what keeps a database busy. Off by default: it costs a map update per query.
 */
function queryStatsLogger(): { logger?: { logQuery(query: string): void } } {
  if (process.env.OPENASE_QUERY_STATS !== '1') return {};
  let counts = new Map<string, number>();
  const timer = setInterval(() => {
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    counts = new Map();
    if (total === 0) return;
    process.stderr.write(
      `[db] ${total} statements in 10 s; most frequent:\n${top.map(([q, n]) => `  ${String(n).padStart(7)}  ${q.slice(0, 160)}`).join('\n')}\n`,
    );
  }, 10_000);
  timer.unref();
  return { logger: { logQuery: (query) => counts.set(query, (counts.get(query) ?? 0) + 1) } };
}
