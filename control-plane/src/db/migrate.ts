/**
 * Applies drizzle-kit migrations. drizzle's migrate() has no locking (drizzle#874), so on
 * PostgreSQL it runs on one dedicated connection holding a session advisory lock; several
 * control planes starting at once apply each migration exactly once. PGlite is single-process
 * (see data-dir-lock.ts) and needs no lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import type { Database, DatabaseTarget } from './database.js';
import { ADVISORY_LOCKS } from './advisory-locks.js';
import { releaseFile } from './release-files.js';

const MIGRATION_LOCK_KEY = ADVISORY_LOCKS.migrations;

export async function runMigrations(database: Database, target: DatabaseTarget): Promise<void> {
  const migrationsFolder = findMigrationsFolder();
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  if (target.kind !== 'postgres') throw new Error('unreachable');
  const conn = postgres(target.url, { max: 1, onnotice: () => {} });
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres({ client: conn }), { migrationsFolder });
    } finally {
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await conn.end({ timeout: 5 });
  }
}

/** The `drizzle/` migrations folder of this release (db/release-files.ts). */
export function findMigrationsFolder(): string {
  const folder = releaseFile('migrations');
  if (folder && fs.existsSync(path.join(folder, 'meta', '_journal.json'))) return folder;
  throw new Error("cannot find the control plane's migrations (control-plane/drizzle) in the openase package");
}
