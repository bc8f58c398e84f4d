/**
 * What a database holds, read from its own catalog so export and import follow the schema
 * without a hand-kept table list: the tables of `public` in foreign-key order (referenced
 * tables first), their columns, primary keys and serial columns, and the migration level.
 * Over a raw session (session.ts) so it works on PGlite and PostgreSQL alike.
 */
import { OpenaseError } from '@openase/shared';
import type { Session } from './session.js';

export interface TableInfo {
  name: string;
  columns: string[];
  primaryKey: string[];
  /** Columns whose default is a sequence (`nextval(…)`): their sequences are moved past the imported rows. */
  serial: string[];
}

export interface MigrationLevel {
  applied: number;
  /** The `created_at` (journal `when`) of the last applied migration. */
  last: string | null;
}

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function readTables(s: Session): Promise<TableInfo[]> {
  const names = (
    await s.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
    )
  ).map((r) => r.name);
  const columns = await s.query<{ t: string; col: string; dflt: string | null }>(
    `select table_name as t, column_name as col, column_default as dflt from information_schema.columns
     where table_schema = 'public' order by table_name, ordinal_position`,
  );
  const keys = await s.query<{ t: string; col: string; pos: number }>(
    `select c.relname as t, a.attname as col, array_position(i.indkey::int2[], a.attnum) as pos
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
     where i.indisprimary and n.nspname = 'public' order by 1, 3`,
  );
  const refs = await s.query<{ t: string; r: string }>(
    `select a.relname as t, b.relname as r from pg_constraint c
     join pg_class a on a.oid = c.conrelid join pg_class b on b.oid = c.confrelid
     join pg_namespace n on n.oid = a.relnamespace where c.contype = 'f' and n.nspname = 'public'`,
  );
  const tables = new Map<string, TableInfo>(
    names.map((name) => [name, { name, columns: [], primaryKey: [], serial: [] }]),
  );
  for (const c of columns) {
    const t = tables.get(c.t);
    if (!t) continue;
    t.columns.push(c.col);
    if (c.dflt?.startsWith('nextval(')) t.serial.push(c.col);
  }
  for (const k of keys) tables.get(k.t)?.primaryKey.push(k.col);
  return foreignKeyOrder([...tables.values()], refs);
}

/** Referenced tables before the tables referring to them (alphabetical among equals); a cycle is refused. */
export function foreignKeyOrder(tables: TableInfo[], refs: Array<{ t: string; r: string }>): TableInfo[] {
  const needs = new Map(tables.map((t) => [t.name, new Set<string>()]));
  for (const { t, r } of refs) if (t !== r && needs.has(r)) needs.get(t)?.add(r);
  const ordered: TableInfo[] = [];
  const done = new Set<string>();
  let pending = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length) {
    const ready = pending.filter((t) => [...needs.get(t.name)!].every((r) => done.has(r)));
    if (!ready.length)
      throw new OpenaseError(
        'INTERNAL',
        `the tables ${pending.map((t) => t.name).join(', ')} refer to each other in a cycle; they cannot be moved in order`,
      );
    for (const t of ready) {
      ordered.push(t);
      done.add(t.name);
    }
    pending = pending.filter((t) => !done.has(t.name));
  }
  return ordered;
}

export async function readMigrationLevel(s: Session): Promise<MigrationLevel> {
  const [row] = await s.query<{ applied: number; last: string | null }>(
    `select count(*)::int as applied, max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  return { applied: row?.applied ?? 0, last: row?.last ?? null };
}
