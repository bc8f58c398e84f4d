/**
 * One raw connection for export and import: plain SQL text with parameters, rows as objects,
 * on PGlite (its only connection) or PostgreSQL (a connection reserved from the pool, so
 * BEGIN … COMMIT and cursors stay on it).
 */
import type { Database } from '../database.js';

export interface Session {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  release(): Promise<void>;
}

export async function openSession(database: Database): Promise<Session> {
  if (database.raw.postgres) {
    const conn = await database.raw.postgres.reserve();
    return {
      query: async <T>(text: string, params: unknown[] = []) =>
        [...(await conn.unsafe(text, params as never[]))] as unknown as T[],
      release: async () => conn.release(),
    };
  }
  const pglite = database.raw.pglite!;
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await pglite.query<T>(text, params)).rows,
    release: async () => {},
  };
}
