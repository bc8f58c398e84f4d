/**
 * The migrated templates database-templates.setup.ts made for this `vitest run`: suites and test
 * servers start from a copy of them (each copy still runs the migrations, which find nothing to do).
 */
import fs from 'node:fs';
import path from 'node:path';

export const PGLITE_ENV = 'OPENASE_TEST_PGLITE_TEMPLATE';
export const POSTGRES_ENV = 'OPENASE_TEST_POSTGRES_TEMPLATE';

let image: Blob | null = null;
/** The migrated PGlite image for an in-memory database, or undefined outside `vitest run`. */
export function pgliteImage(): Blob | undefined {
  const dir = process.env[PGLITE_ENV];
  if (!dir) return undefined;
  image ??= new Blob([fs.readFileSync(path.join(dir, 'data.tar'))]);
  return image;
}

/** Seeds `<home>/data` with the migrated PGlite template, unless it already holds a database. */
export function seedDataDir(home: string): void {
  const dir = process.env[PGLITE_ENV];
  const target = path.join(home, 'data');
  if (!dir || fs.existsSync(target)) return;
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.cpSync(path.join(dir, 'data'), target, { recursive: true });
}

/** The migrated PostgreSQL template database's name, if there is one. */
export function postgresTemplate(): string | undefined {
  return process.env[POSTGRES_ENV];
}
