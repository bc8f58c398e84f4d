/**
 * Is the database's schema newer than this release? A downgrade (a release rolled back after its
 * migrations ran, or an old replica restarted during a rolling upgrade) opens a database migrated
 * by a newer release: drizzle's migrator finds nothing to apply and says nothing, so `openase serve`
 * warns with both levels and what to do; `openase doctor` fails the same check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { resultRows, type Database } from '../db/database.js';
import { findMigrationsFolder } from '../db/migrate.js';
import { VERSION } from '../version.js';

/** How many migrations this release ships (control-plane/drizzle/meta/_journal.json). */
export function releaseMigrationCount(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(findMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** The warning for a schema migrated by a newer release, or null when this release knows every migration. */
export async function newerSchemaWarning(database: Database): Promise<string | null> {
  const [row] = resultRows<{ applied: number }>(
    await database.db.execute(sql`select count(*)::int as applied from drizzle.__drizzle_migrations`),
  );
  const applied = row?.applied ?? 0;
  const known = releaseMigrationCount();
  if (applied <= known) return null;
  return (
    `the database schema has ${applied} migrations, this release (OpenASE ${VERSION}) knows ${known}: ` +
    'a newer release migrated it, and this one may fail on it. Run the newer release (`npm i -g` its package), ' +
    'or restore a backup made before the upgrade with the release that made it'
  );
}
