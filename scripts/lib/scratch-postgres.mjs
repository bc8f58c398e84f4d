// Scratch PostgreSQL databases for tests and benchmarks: an empty database created on the server
// at `baseUrl` (trust auth on these machines), dropped with `force` when done. Plain ESM so both
// the TypeScript tests (test-kit/src/databases.ts) and the .mjs benchmarks use this one copy.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './bootstrap.mjs';

export const postgres = createRequire(path.join(root, 'control-plane', 'package.json'))('postgres');

/** Creates `<prefix>_<random>` (a copy of `template` when given); returns its URL and a dropper. */
export async function createScratchPostgres(baseUrl, prefix = 'openase_t', template = null) {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const conn = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await conn.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await conn.end();
      }
    },
  };
}
