/**
 * `openase db migrate-to`: copies a database into an empty one (PGlite → PostgreSQL, or any pair)
 * by streaming the export straight into the import, then reads the target back and compares
 * every table's count and checksum with the source's. Secret values move as stored (encrypted):
 * the target is used with the same data dir, hence the same secret.key.
 */
import { OpenaseError } from '@openase/shared';
import type { Database } from '../database.js';
import { exportLines, type ExportOptions } from './dump.js';
import { summarize, type TableSummary } from './format.js';
import { importLines } from './load.js';

export interface MoveResult {
  tables: TableSummary[];
  rows: number;
}

export async function moveDatabase(source: Database, target: Database, opts: ExportOptions): Promise<MoveResult> {
  const imported = await importLines(target, exportLines(source, opts));
  const readBack = await summarize(exportLines(target, opts));
  for (const [name, moved] of imported.tables) {
    const there = readBack.get(name);
    if (!there || there.rows !== moved.rows || there.sha256 !== moved.sha256)
      throw new OpenaseError(
        'INTERNAL',
        `verification failed: table ${name} has ${there?.rows ?? 0} rows in the target, ${moved.rows} in the source (or other content); keep using the source`,
      );
  }
  return { tables: [...imported.tables.values()], rows: imported.rows };
}
