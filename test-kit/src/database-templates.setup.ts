/**
 * Migrated database templates, made once per `vitest run` (vitest's globalSetup): a fresh PGlite
 * takes seconds to initialise and migrate and a PostgreSQL scratch database about one, which,
 * times every suite and every test server, was a large share of the test run. Suites start from a
 * copy instead (databases.ts, server-process.ts, fleet-harness.ts); the migrations still run on
 * each copy and find nothing to do, so a template that is behind would be caught up, not trusted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM helper without types (shared with the benchmarks)
import { postgres } from '../../scripts/lib/scratch-postgres.mjs';
import { openDatabase } from '@openase/control-plane/db/database';
import { PGLITE_ENV, POSTGRES_ENV } from './database-templates.js';

/** vitest globalSetup: makes the templates and names them in the environment the test workers inherit. */
export default async function makeTemplates(): Promise<() => Promise<void>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-test-templates-'));
  const database = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'data') });
  const image = await database.raw.pglite!.dumpDataDir('none');
  fs.writeFileSync(path.join(dir, 'data.tar'), Buffer.from(await image.arrayBuffer()));
  await database.close();
  process.env[PGLITE_ENV] = dir;

  const baseUrl = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (baseUrl) {
    template = `openase_template_${process.pid}`;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${template} with (force)`);
      await admin.unsafe(`create database ${template}`);
    } finally {
      await admin.end();
    }
    const url = new URL(baseUrl);
    url.pathname = `/${template}`;
    const migrated = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 1 });
    await migrated.close();
    process.env[POSTGRES_ENV] = template;
  }
  return async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (!baseUrl || !template) return;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${template} with (force)`);
    } finally {
      await admin.end();
    }
  };
}
