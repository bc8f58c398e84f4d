import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import { createScratchPostgres, postgresUrl } from '@openase/test-kit/databases';
import { preparing } from './prepared.js';

/** A pool of one connection whose socket counts the writes it makes: a round trip starts with one. */
function countingPool(url: string) {
  const writes = { n: 0 };
  const { hostname, port } = new URL(url);
  // postgres.js takes a connected socket from `socket` (its types do not declare the option).
  const socketOption = {
    socket: () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(Number(port || 5432), hostname, () => resolve(socket));
        socket.once('error', reject);
        const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
        socket.write = ((...a: unknown[]) => {
          writes.n++;
          return write(...a);
        }) as typeof socket.write;
      }),
  };
  const pool = postgres(url, { max: 1, onnotice: () => {}, ...(socketOption as object) });
  return { pool, sql: preparing(pool), writes };
}

describe.skipIf(!postgresUrl)('transactions on PostgreSQL, BEGIN pipelined', () => {
  let scratch: { url: string; drop(): Promise<void> };
  let counted: ReturnType<typeof countingPool>;
  const count = async () => Number((await counted.sql.unsafe('select count(*)::int as n from t'))[0]!.n);

  beforeAll(async () => {
    scratch = await createScratchPostgres(postgresUrl!, undefined, null);
    counted = countingPool(scratch.url);
    await counted.sql.unsafe('create table t (n int primary key)');
  });
  afterAll(async () => {
    await counted?.pool.end({ timeout: 5 });
    await scratch?.drop();
  });

  it('sends BEGIN with the first statements: two round trips for a statement and the COMMIT', async () => {
    const insert = (n: number) => counted.sql.begin(async (tx) => tx.unsafe('insert into t values ($1)', [n]));
    await insert(100); // connected, and the statement prepared on the connection (its first use takes a round trip)
    counted.writes.n = 0;
    await insert(101);
    expect(counted.writes.n).toBe(2); // BEGIN + the statement, then COMMIT (postgres.js's own begin: three)
    await counted.sql.unsafe('delete from t');
  });

  it('commits the statements, and rolls them back when the work throws', async () => {
    await counted.sql.begin(async (tx) => {
      await Promise.all([tx.unsafe('insert into t values ($1)', [1]), tx.unsafe('insert into t values ($1)', [2])]);
    });
    await expect(
      counted.sql.begin(async (tx) => {
        await tx.unsafe('insert into t values ($1)', [3]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(2);
  });

  it('fails with the first failed statement, even one the work caught or never awaited, and keeps nothing', async () => {
    await expect(
      counted.sql.begin(async (tx) => {
        await tx.unsafe('insert into t values ($1)', [10]);
        await tx.unsafe('insert into t values ($1)', [10]).catch(() => {}); // duplicate key, caught
        await tx.unsafe('insert into t values ($1)', [11]).catch(() => {}); // "transaction is aborted"
      }),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      counted.sql.begin(async (tx) => {
        void tx.unsafe('insert into t values ($1)', [12]);
        void tx.unsafe('insert into t values ($1)', [1]); // duplicate key, not awaited: the COMMIT is a ROLLBACK
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(2);
  });

  it('refuses a statement issued after the work returned', async () => {
    let late: (() => unknown) | null = null;
    await counted.sql.begin(async (tx) => {
      late = () => tx.unsafe('insert into t values ($1)', [20]);
    });
    expect(() => late!()).toThrow(/after its transaction's work returned/);
    expect(await count()).toBe(2);
  });

  it('rolls a failed savepoint back to it (drizzle nested transactions) and commits the rest', async () => {
    const db = drizzle({ client: counted.sql });
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (30)`);
      await expect(
        tx.transaction(async (inner) => {
          await inner.execute(sql`insert into t values (31)`);
          await inner.execute(sql`insert into t values (30)`); // duplicate key
        }),
      ).rejects.toThrow();
      await tx.transaction(async (inner) => inner.execute(sql`insert into t values (32)`));
    });
    const rows = await counted.sql.unsafe('select n from t where n between 30 and 39 order by n');
    expect(rows.map((r) => r.n)).toEqual([30, 32]);
  });
});
