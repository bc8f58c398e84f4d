/**
 * Import: export lines (format.ts) into an empty database of the same migration level, in one
 * transaction. Rows go in batches straight from their JSON text through PostgreSQL's
 * json_populate_recordset (no JavaScript parsing of rows); every table's count and checksum and
 * the file's checksum are verified before COMMIT, so a damaged or truncated file leaves nothing.
 */
import { OpenaseError } from '@openase/shared';
import { ident, readMigrationLevel, readTables, type TableInfo } from './catalog.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  LineHash,
  exportEnd,
  exportHeader,
  tableEnd,
  tableStart,
  type ExportHeader,
  type TableSummary,
} from './format.js';
import { openSession, type Session } from './session.js';
import type { Database } from '../database.js';

const BATCH_ROWS = 1000;
const BATCH_CHARS = 4 << 20;

export interface ImportResult {
  header: ExportHeader;
  tables: Map<string, TableSummary>;
  rows: number;
}

const damaged = (what: string) =>
  new OpenaseError('VALIDATION_FAILED', `the export is damaged: ${what}; nothing was imported`);

function control(line: string, kind: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw damaged(`a line is not JSON (${line.slice(0, 60)}…)`);
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) throw damaged(`expected a "${kind}" line`);
  return parsed[1];
}

export async function importLines(database: Database, lines: AsyncIterable<string>): Promise<ImportResult> {
  const s = await openSession(database);
  try {
    await s.query('begin');
    await s.query(`set local timezone = 'UTC'`);
    const result = await load(s, lines);
    await s.query('commit');
    return result;
  } catch (err) {
    await s.query('rollback').catch(() => {});
    throw err;
  } finally {
    await s.release();
  }
}

async function load(s: Session, lines: AsyncIterable<string>): Promise<ImportResult> {
  const target = new Map((await readTables(s)).map((t) => [t.name, t]));
  const file = new LineHash();
  const tables = new Map<string, TableSummary>();
  let header: ExportHeader | null = null;
  let table: { info: TableInfo; hash: LineHash; rows: number; batch: string[]; chars: number } | null = null;
  let total = 0;

  const flush = async () => {
    if (!table || !table.batch.length) return;
    const cols = table.info.columns.map(ident).join(', ');
    const name = `public.${ident(table.info.name)}`;
    await s.query(
      `insert into ${name} (${cols}) select ${cols} from json_populate_recordset(null::${name}, $1::json)`,
      [`[${table.batch.join(',')}]`],
    );
    table.batch = [];
    table.chars = 0;
  };

  for await (const line of lines) {
    if (!header) {
      const parsed = exportHeader.safeParse(control(line, EXPORT_FORMAT));
      if (!parsed.success) throw damaged('its first line is not an openase export header');
      header = parsed.data;
      await checkCompatible(s, header, target);
      file.add(line);
      continue;
    }
    if (line.startsWith('{')) {
      if (!table) throw damaged('a row outside of a table');
      table.hash.add(line);
      table.rows++;
      table.batch.push(line);
      table.chars += line.length;
      if (table.batch.length >= BATCH_ROWS || table.chars >= BATCH_CHARS) await flush();
    } else if (line.startsWith('["table",')) {
      if (table) throw damaged(`table ${table.info.name} has no end line`);
      const start = tableStart.parse(control(line, 'table'));
      const info = target.get(start.name);
      if (!info) throw damaged(`it names a table this release does not have (${start.name})`);
      if (start.columns.join(',') !== info.columns.join(','))
        throw new OpenaseError(
          'CONFLICT',
          `table ${start.name} has other columns here than in the export (${start.columns.join(', ')}); import with the release that made it`,
        );
      table = { info, hash: new LineHash(), rows: 0, batch: [], chars: 0 };
    } else if (line.startsWith('["table-end",')) {
      const end = tableEnd.parse(control(line, 'table-end'));
      if (!table || table.info.name !== end.name) throw damaged(`an end line for table ${end.name} out of place`);
      await flush();
      const sha256 = table.hash.hex();
      if (end.rows !== table.rows || end.sha256 !== sha256)
        throw damaged(`table ${end.name} should hold ${end.rows} rows with checksum ${end.sha256.slice(0, 12)}…`);
      tables.set(end.name, { name: end.name, rows: table.rows, sha256 });
      total += table.rows;
      table = null;
    } else if (line.startsWith('["end",')) {
      const end = exportEnd.parse(control(line, 'end'));
      if (table) throw damaged(`table ${table.info.name} has no end line`);
      if (end.sha256 !== file.hex() || end.rows !== total || end.tables !== tables.size)
        throw damaged('the file checksum does not match');
      await resetSequences(s, [...target.values()]);
      return { header, tables, rows: total };
    } else throw damaged(`an unknown line (${line.slice(0, 60)})`);
    file.add(line);
  }
  throw damaged(header ? 'it is truncated (no end line)' : 'it is empty');
}

async function checkCompatible(s: Session, header: ExportHeader, target: Map<string, TableInfo>): Promise<void> {
  if (header.version !== EXPORT_VERSION)
    throw new OpenaseError(
      'CONFLICT',
      `the export has format version ${header.version}; this release reads version ${EXPORT_VERSION}`,
    );
  const here = await readMigrationLevel(s);
  if (here.applied !== header.migrations.applied || here.last !== header.migrations.last)
    throw new OpenaseError(
      'CONFLICT',
      `the export was made by OpenASE ${header.release} at schema migration ${header.migrations.applied}; this database is at ${here.applied}. Import with the release that made it, then upgrade`,
    );
  for (const t of target.values()) {
    const [row] = await s.query<{ n: number }>(
      `select count(*)::int as n from (select 1 from public.${ident(t.name)} limit 1) x`,
    );
    if (row!.n > 0)
      throw new OpenaseError(
        'CONFLICT',
        `the target database is not empty (table ${t.name} has rows); import into a new data dir or an empty PostgreSQL database`,
      );
  }
}

/** Serial columns' sequences continue after the imported rows. */
async function resetSequences(s: Session, tables: TableInfo[]): Promise<void> {
  for (const t of tables)
    for (const col of t.serial) {
      const name = `public.${ident(t.name)}`;
      await s.query(
        `select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${ident(col)}) from ${name}), 0) + 1, false)`,
        [name, col],
      );
    }
}
