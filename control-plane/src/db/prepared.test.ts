import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createMigratedPostgres, postgresUrl } from '@openase/test-kit/databases';
import { openDatabase, resultRows } from './database.js';
import { projects, users } from './schema.js';

describe.skipIf(!postgresUrl)('statements on PostgreSQL', () => {
  it('are prepared: a query repeated, or run in a transaction, is parsed once on its connection', async () => {
    const scratch = await createMigratedPostgres();
    const database = await openDatabase({ kind: 'postgres', url: scratch.url, maxConnections: 1 }, { migrate: false });
    const prepared = async () =>
      resultRows<{ statement: string }>(
        await database.db.execute(sql`select statement from pg_prepared_statements`),
      ).map((r) => r.statement);
    try {
      const { db } = database;
      for (const slug of ['a', 'b', 'c']) await db.select().from(projects).where(eq(projects.slug, slug));
      await db.transaction(async (tx) => {
        await tx.select().from(users).where(eq(users.id, randomUUID()));
      });
      const statements = await prepared();
      expect(statements.filter((s) => s.includes('from "projects"'))).toHaveLength(1); // once, used three times
      expect(statements.filter((s) => s.includes('from "users"'))).toHaveLength(1);
    } finally {
      await database.close();
      await scratch.drop();
    }
  });
});
