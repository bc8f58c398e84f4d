/**
 * `openase backup`: an export into a backups folder, named by its UTC time so names sort by age,
 * then the oldest beyond the retention count are deleted (only files of that name pattern).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../database.js';
import { exportLines, type ExportOptions } from './dump.js';
import { writeExportFile } from './files.js';

const BACKUP_NAME = /^openase-backup-\d{8}T\d{6}Z\.jsonl\.gz$/;

export function backupFileName(at: Date): string {
  return `openase-backup-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.jsonl.gz`;
}

/** The backups to delete so that the `keep` newest remain (names sort by time). */
export function expiredBackups(names: string[], keep: number): string[] {
  const ours = names.filter((n) => BACKUP_NAME.test(n)).sort();
  return ours.slice(0, Math.max(0, ours.length - keep));
}

export async function backupDatabase(
  database: Database,
  opts: ExportOptions & { dir: string; keep: number; now: () => Date },
): Promise<{ file: string; bytes: number; deleted: string[] }> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const file = path.join(opts.dir, backupFileName(opts.now()));
  const { bytes } = await writeExportFile(file, exportLines(database, opts));
  const deleted = expiredBackups(fs.readdirSync(opts.dir), opts.keep).map((n) => path.join(opts.dir, n));
  for (const f of deleted) fs.rmSync(f, { force: true });
  return { file, bytes, deleted };
}
