/**
 * Runs a suite once per database backend: `[pglite]` always (in memory), `[postgres]` when
 * TEST_DATABASE_URL is set, each on a fresh database created for the suite and dropped after.
 */
import { afterAll, beforeAll, describe } from 'vitest';
// @ts-expect-error plain ESM helper without types (shared with the benchmarks)
import { createScratchPostgres as createScratch } from '../../scripts/lib/scratch-postgres.mjs';
import { pgliteImage, postgresTemplate } from './database-templates.js';
import { openDatabase, type Database, type DatabaseTarget } from '@openase/control-plane/db/database';
import { createChangeBus } from '@openase/control-plane/kernel/change-bus';
import { randomIds, systemClock, type Actor, type Clock, type Deps } from '@openase/control-plane/kernel/context';
import { bootstrapInstance } from '@openase/control-plane/auth/bootstrap';
import { memorySecretCipher } from '@openase/control-plane/secrets/cipher';
import { silentLogger } from '@openase/control-plane/kernel/logger';
import { createMetrics } from '@openase/control-plane/kernel/metrics';

export interface TestDb {
  kind: 'pglite' | 'postgres';
  database: Database;
  deps: Deps;
  admin: Actor;
  target: DatabaseTarget;
}

/** The owner `bootstrapInstance` made, as the actor the domain functions take. */
export function bootAdmin(boot: { adminUserId: string; orgId: string }): Actor {
  return {
    type: 'user',
    id: boot.adminUserId,
    name: 'admin',
    orgId: boot.orgId,
    userId: boot.adminUserId,
    role: 'owner',
  };
}

export const postgresUrl = process.env.TEST_DATABASE_URL ?? null;

/** Creates an empty PostgreSQL database for one suite; returns its URL and a dropper. */
export const createScratchPostgres = createScratch as (
  baseUrl: string,
  prefix?: string,
  template?: string | null,
) => Promise<{ url: string; drop(): Promise<void> }>;

/**
 * A scratch PostgreSQL database copied from the migrated template (when `vitest run` made one): for test servers,
 * whose migrations then find nothing to do. Tests of migrating an empty database use `createScratchPostgres`.
 */
export function createMigratedPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  return createScratchPostgres(postgresUrl!, undefined, postgresTemplate());
}

export function forEachDatabase(name: string, suite: (get: () => TestDb) => void, opts: { clock?: Clock } = {}): void {
  const backends: Array<'pglite' | 'postgres'> = ['pglite', 'postgres'];
  for (const kind of backends) {
    describe.skipIf(kind === 'postgres' && !postgresUrl)(`${name} [${kind}]`, () => {
      let current: TestDb | null = null;
      let drop: (() => Promise<void>) | null = null;
      beforeAll(async () => {
        let target: DatabaseTarget;
        if (kind === 'postgres') {
          const scratch = await createMigratedPostgres();
          drop = scratch.drop;
          target = { kind: 'postgres', url: scratch.url, maxConnections: 20 };
        } else target = { kind: 'pglite', dataDir: null, image: pgliteImage() };
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
        current = { kind, database, deps, admin: bootAdmin(boot), target };
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
