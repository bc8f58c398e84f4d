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
  | { kind: 'pglite'; dataDir: string | null /* null = in memory */ }
  | { kind: 'postgres'; url: string; maxConnections?: number };

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
    const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      kind: 'pglite',
      target,
      db,
      raw: { pglite: client },
      async close() {
        await client.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Database {
  const client = postgres(target.url, { max: target.maxConnections ?? 10, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema }) as unknown as Db;
  return {
    kind: 'postgres',
    target,
    db,
    raw: { postgres: client },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
