/**
 * The export file: JSON lines (gzip-compressed on disk), one row per line, so any size streams.
 *
 *   ["openase-export", {version, release, createdAt, migrations, secretKey, tables}]
 *   ["table", {name, columns}]
 *   {…one row: PostgreSQL's own row_to_json of it…}
 *   ["table-end", {name, rows, sha256}]          sha256 of the table's row lines (each with its "\n")
 *   …
 *   ["end", {tables, rows, sha256}]              sha256 of every line before this one
 *
 * Rows are objects and control lines arrays, so a line is told apart by its first character.
 * Rows are written in primary-key order with the time zone set to UTC, so the same data gives
 * the same checksums on PGlite and on PostgreSQL: that is how a move is verified.
 */
import { createHash, type Hash } from 'node:crypto';
import { z } from 'zod';

export const EXPORT_FORMAT = 'openase-export';
export const EXPORT_VERSION = 1;

export const exportHeader = z.object({
  version: z.number().int(),
  release: z.string(),
  createdAt: z.string(),
  migrations: z.object({ applied: z.number().int(), last: z.string().nullable() }),
  /** A fingerprint of the secret key the stored secrets are encrypted under (never the key). */
  secretKey: z.string().nullable(),
  tables: z.array(z.string()),
});
export type ExportHeader = z.infer<typeof exportHeader>;

export const tableStart = z.object({ name: z.string(), columns: z.array(z.string()) });
export const tableEnd = z.object({ name: z.string(), rows: z.number().int(), sha256: z.string() });
export const exportEnd = z.object({ tables: z.number().int(), rows: z.number().int(), sha256: z.string() });

export type TableSummary = z.infer<typeof tableEnd>;

export function controlLine(kind: string, body: unknown): string {
  return JSON.stringify([kind, body]);
}

/** A running sha256 over lines (each counted with its newline). */
export class LineHash {
  private hash: Hash = createHash('sha256');
  add(line: string): void {
    this.hash.update(line);
    this.hash.update('\n');
  }
  hex(): string {
    return this.hash.digest('hex');
  }
}

/** Collects the `table-end` lines of an export: the counts and checksums per table. */
export async function summarize(lines: AsyncIterable<string>): Promise<Map<string, TableSummary>> {
  const tables = new Map<string, TableSummary>();
  for await (const line of lines) {
    if (!line.startsWith('["table-end"')) continue;
    const end = tableEnd.parse((JSON.parse(line) as [string, unknown])[1]);
    tables.set(end.name, end);
  }
  return tables;
}
