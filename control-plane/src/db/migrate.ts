/**
 * Applies drizzle-kit migrations. drizzle's migrate() has no locking (drizzle#874), so on
 * PostgreSQL it runs on one dedicated connection holding a session advisory lock; several
 * control planes starting at once apply each migration exactly once. PGlite is single-process
 * (see data-dir-lock.ts) and needs no lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import type { Database, DatabaseTarget } from './database.js';
import { ADVISORY_LOCKS } from './advisory-locks.js';

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

/**
 * The `drizzle/` folder ships beside the code: found by walking up from this module, which
 * works both from source (src/db/) and from the bundle (dist/).
 */
export function findMigrationsFolder(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'drizzle');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the drizzle/ migrations folder next to the control plane');
}
