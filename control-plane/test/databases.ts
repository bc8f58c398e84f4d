/**
 * Runs a suite once per database backend: `[pglite]` always (in memory), `[postgres]` when
 * TEST_DATABASE_URL is set, each on a fresh database created for the suite and dropped after.
 */
import { afterAll, beforeAll, describe } from 'vitest';
// @ts-expect-error plain ESM helper without types (shared with the benchmarks)
import { createScratchPostgres as createScratch } from '../../scripts/lib/scratch-postgres.mjs';
import { openDatabase, type Database, type DatabaseTarget } from '../src/db/database.js';
import { createChangeBus } from '../src/kernel/change-bus.js';
import { randomIds, systemClock, type Actor, type Clock, type Deps } from '../src/kernel/context.js';
import { bootstrapInstance } from '../src/auth/bootstrap.js';
import { memorySecretCipher } from '../src/secrets/cipher.js';
import { silentLogger } from '../src/kernel/logger.js';
import { createMetrics } from '../src/kernel/metrics.js';

export interface TestDb {
  kind: 'pglite' | 'postgres';
  database: Database;
  deps: Deps;
  admin: Actor;
  target: DatabaseTarget;
}

export const postgresUrl = process.env.TEST_DATABASE_URL ?? null;

/** Creates an empty PostgreSQL database for one suite; returns its URL and a dropper. */
export const createScratchPostgres = createScratch as (
  baseUrl: string,
) => Promise<{ url: string; drop(): Promise<void> }>;

export function forEachDatabase(name: string, suite: (get: () => TestDb) => void, opts: { clock?: Clock } = {}): void {
  const backends: Array<'pglite' | 'postgres'> = ['pglite', 'postgres'];
  for (const kind of backends) {
    describe.skipIf(kind === 'postgres' && !postgresUrl)(`${name} [${kind}]`, () => {
      let current: TestDb | null = null;
      let drop: (() => Promise<void>) | null = null;
      beforeAll(async () => {
        let target: DatabaseTarget;
        if (kind === 'postgres') {
          const scratch = await createScratchPostgres(postgresUrl!);
          drop = scratch.drop;
          target = { kind: 'postgres', url: scratch.url, maxConnections: 20 };
        } else target = { kind: 'pglite', dataDir: null };
        const database = await openDatabase(target);
        const deps: Deps = {
          db: database.db,
          clock: opts.clock ?? systemClock,
          ids: randomIds,
          bus: createChangeBus(),
          secrets: memorySecretCipher(),
          log: silentLogger(),
          metrics: createMetrics(),
        };
        const boot = await bootstrapInstance(deps);
        const admin: Actor = {
          type: 'user',
          id: boot.adminUserId,
          name: 'admin',
          orgId: boot.orgId,
          userId: boot.adminUserId,
          role: 'owner',
        };
        current = { kind, database, deps, admin, target };
      });
      afterAll(async () => {
        await current?.database.close();
        await drop?.();
      });
      suite(() => {
        if (!current) throw new Error('database not ready');
        return current;
      });
    });
  }
}
