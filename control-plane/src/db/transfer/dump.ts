/**
 * Export: every table of the database as export lines (format.ts), read inside one
 * repeatable-read, read-only transaction (one consistent snapshot, also of a live PostgreSQL)
 * through a cursor, a batch at a time — memory stays flat however many events there are.
 */
import { readMigrationLevel, readTables, ident } from './catalog.js';
import { EXPORT_VERSION, EXPORT_FORMAT, LineHash, controlLine, type ExportHeader } from './format.js';
import { openSession } from './session.js';
import type { Database } from '../database.js';

const FETCH_ROWS = 2000;

export interface ExportOptions {
  release: string;
  secretKey: string | null;
  now?: () => Date;
}

export async function* exportLines(database: Database, opts: ExportOptions): AsyncGenerator<string> {
  const s = await openSession(database);
  const file = new LineHash();
  const emit = (line: string) => {
    file.add(line);
    return line;
  };
  try {
    await s.query('begin isolation level repeatable read read only');
    await s.query(`set local timezone = 'UTC'`);
    const tables = await readTables(s);
    const header: ExportHeader = {
      version: EXPORT_VERSION,
      release: opts.release,
      createdAt: (opts.now?.() ?? new Date()).toISOString(),
      migrations: await readMigrationLevel(s),
      secretKey: opts.secretKey,
      tables: tables.map((t) => t.name),
    };
    yield emit(controlLine(EXPORT_FORMAT, header));
    let total = 0;
    for (const table of tables) {
      yield emit(controlLine('table', { name: table.name, columns: table.columns }));
      const order = (table.primaryKey.length ? table.primaryKey.map(ident) : ['1']).join(', ');
      await s.query(
        `declare openase_export no scroll cursor for
         select row_to_json(t)::text as j from public.${ident(table.name)} t order by ${order}`,
      );
      const hash = new LineHash();
      let rows = 0;
      for (;;) {
        const batch = await s.query<{ j: string }>(`fetch forward ${FETCH_ROWS} from openase_export`);
        for (const { j } of batch) {
          hash.add(j);
          rows++;
          yield emit(j);
        }
        if (batch.length < FETCH_ROWS) break;
      }
      await s.query('close openase_export');
      total += rows;
      yield emit(controlLine('table-end', { name: table.name, rows, sha256: hash.hex() }));
    }
    yield controlLine('end', { tables: tables.length, rows: total, sha256: file.hex() });
    await s.query('commit');
  } finally {
    // Reached early when the consumer stops (an error downstream): end the snapshot.
    await s.query('rollback').catch(() => {});
    await s.release();
  }
}
