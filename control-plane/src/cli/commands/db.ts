/**
 * `openase db export|import|migrate-to` and `openase backup`: the database of this host's data
 * dir (embedded PGlite, which the server must not be holding) or of --database-url/DATABASE_URL
 * (PostgreSQL, also while servers run: the export reads one snapshot). See docs/operations.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OpenaseError } from '@openase/shared';
import { openaseHome } from '../../server/config.js';
import type { Database } from '../../db/database.js';

/** The drivers and transfer code, loaded when a db command runs (not when any `openase` command starts). */
const impl = () => import('./db-impl.js');
import { VERSION } from '../../version.js';
import {
  JSON_OPTION,
  UsageError,
  requirePositional,
  stringOption,
  type Command,
  type CommandGroup,
  type ParsedArgs,
} from '../command.js';
import { printJson } from '../output.js';

const DATABASE_OPTIONS = {
  'data-dir': { type: 'string', value: 'DIR', description: 'the data dir (default OPENASE_HOME or ~/.openase)' },
  'database-url': {
    type: 'string',
    value: 'URL',
    description: "PostgreSQL instead of the data dir's embedded database (default DATABASE_URL)",
  },
  ...JSON_OPTION,
} as const;

interface Where {
  home: string;
  url: string | null;
}

function where(args: ParsedArgs, env: NodeJS.ProcessEnv): Where {
  return {
    home: openaseHome(env, stringOption(args.values['data-dir'])),
    url: stringOption(args.values['database-url']) || env.DATABASE_URL || null,
  };
}

function describe(w: Where): string {
  return w.url ? `PostgreSQL ${redact(w.url)}` : `the embedded database in ${path.join(w.home, 'data')}`;
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** `existing`: refuse to create an embedded database that is not there (export, backup, move). */
async function open(w: Where, existing: boolean): Promise<Database> {
  const { openDatabase } = await impl();
  if (w.url) return openDatabase({ kind: 'postgres', url: w.url, maxConnections: 2 });
  const dataDir = path.join(w.home, 'data');
  if (existing && !fs.existsSync(path.join(dataDir, 'PG_VERSION')))
    throw new OpenaseError(
      'NOT_FOUND',
      `there is no embedded database in ${dataDir} (give --data-dir or --database-url)`,
    );
  return openDatabase({ kind: 'pglite', dataDir });
}

async function withDatabase<T>(w: Where, existing: boolean, fn: (db: Database) => Promise<T>): Promise<T> {
  const database = await open(w, existing);
  try {
    return await fn(database);
  } catch (err) {
    throw unreachable(err) ?? err;
  } finally {
    await database.close();
  }
}

/** A PostgreSQL that did not answer, said as such (Node's own words were "connect ECONNREFUSED 127.0.0.1:5999"). */
function unreachable(err: unknown): OpenaseError | null {
  const e = err as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown };
  // A connection's error names where it went; a file's (EISDIR, ENOENT, ENOSPC of an export) does not and stays as is.
  if (typeof e?.code !== 'string' || !/^E[A-Z]+$/.test(e.code) || !(e.address || e.hostname)) return null;
  const where = e.address ? `${String(e.address)}${e.port ? `:${String(e.port)}` : ''}` : String(e.hostname ?? '?');
  const why = { ECONNREFUSED: 'nothing listens there', ENOTFOUND: 'no such host', ETIMEDOUT: 'no answer in time' }[
    e.code
  ];
  return new OpenaseError(
    'UNAVAILABLE',
    `cannot reach PostgreSQL at ${where} (${why ?? e.code}): is it running, and is the URL right?`,
  );
}

const exportOptions = async (w: Where) => ({
  release: VERSION,
  secretKey: (await impl()).secretKeyFingerprints(w.home)[0] ?? null,
});

const exportCommand: Command = {
  name: 'export',
  summary: 'write every table to one checksummed, compressed file (streams; any size)',
  args: ['FILE'],
  usage: '[--data-dir DIR | --database-url URL] [--json]',
  details:
    'The file holds the data, not secret.key: stored secrets stay encrypted; keep the key with the file.\nThe embedded database can be exported only while no server holds it.',
  options: DATABASE_OPTIONS,
  examples: ['openase db export openase.jsonl.gz'],
  async run(args, io) {
    const file = path.resolve(requirePositional(args, 0, 'FILE (where to write the export)'));
    const w = where(args, io.env);
    const { exportLines, writeExportFile } = await impl();
    const options = await exportOptions(w);
    const { bytes } = await withDatabase(w, true, (db) => writeExportFile(file, exportLines(db, options)));
    if (args.values.json) return printJson(io, { file, bytes });
    io.out(`exported ${describe(w)} to ${file} (${bytes} bytes)`);
  },
};

const importCommand: Command = {
  name: 'import',
  summary: 'load an export into an empty database (all or nothing, checksums verified)',
  args: ['FILE'],
  usage: '[--data-dir DIR | --database-url URL] [--json]',
  details:
    'The target must be empty: a new data dir, or an empty PostgreSQL database. Copy the old secret.key into\nthe data dir first, or stored secrets cannot be decrypted.',
  options: DATABASE_OPTIONS,
  examples: ['openase db import openase.jsonl.gz --data-dir /var/lib/openase-restored'],
  async run(args, io) {
    const file = path.resolve(requirePositional(args, 0, 'FILE (the export to load)'));
    if (!fs.existsSync(file)) throw new OpenaseError('NOT_FOUND', `there is no file ${file}`);
    const w = where(args, io.env);
    const { importLines, readExportFile, secretKeyFingerprints } = await impl();
    const result = await withDatabase(w, false, (db) => importLines(db, readExportFile(file)));
    const keys = secretKeyFingerprints(w.home);
    const keyWarning =
      result.header.secretKey && !keys.includes(result.header.secretKey)
        ? `stored secrets were encrypted under another secret.key than ${path.join(w.home, 'secret.key')}${keys.length ? '' : ' (there is none yet)'}: copy the original key there before starting the server`
        : null;
    if (args.values.json)
      return printJson(io, { file, tables: result.tables.size, rows: result.rows, warning: keyWarning });
    io.out(`imported ${result.rows} rows in ${result.tables.size} tables into ${describe(w)}; checksums verified`);
    if (keyWarning) io.err(`warning: ${keyWarning}`);
  },
};

const migrateToCommand: Command = {
  name: 'migrate-to',
  summary: 'move this instance to an empty PostgreSQL database and verify every table',
  args: ['POSTGRES_URL'],
  usage: '[--data-dir DIR | --database-url URL] [--json]',
  details:
    'Stop the server first. The source (default: the embedded database) is left as it was. Afterwards start the\nserver with DATABASE_URL set and the same data dir: its secret.key still decrypts the stored secrets.',
  options: DATABASE_OPTIONS,
  examples: ['openase db migrate-to postgres://openase@db.internal:5432/openase'],
  async run(args, io) {
    const url = requirePositional(args, 0, 'the PostgreSQL URL to move to');
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new UsageError(`the target must be a postgres:// URL, got "${redact(url)}"`);
    const w = where(args, io.env);
    if (w.url === url) throw new UsageError('the target is the source database');
    const { moveDatabase, openDatabase } = await impl();
    const options = await exportOptions(w);
    const result = await withDatabase(w, true, async (source) => {
      const target = await openDatabase({ kind: 'postgres', url, maxConnections: 2 });
      try {
        return await moveDatabase(source, target, options);
      } finally {
        await target.close();
      }
    });
    if (args.values.json) return printJson(io, { target: redact(url), ...result });
    io.out(
      `moved ${result.rows} rows in ${result.tables.length} tables from ${describe(w)} to ${redact(url)}; counts and checksums match`,
    );
    io.out(`next: DATABASE_URL='${redact(url)}' openase serve --data-dir ${w.home}`);
  },
};

export const dbCommands: CommandGroup = {
  name: 'db',
  summary: 'Export, import, or move the database (to PostgreSQL)',
  commands: [exportCommand, importCommand, migrateToCommand],
};

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Write a dated export into a backups folder and delete the oldest beyond --keep',
  args: [],
  usage: '[--dir DIR] [--keep 7] [--data-dir DIR | --database-url URL] [--json]',
  details:
    'Restore: `openase db import FILE` into a new data dir (with the old secret.key) or an empty PostgreSQL database.',
  options: {
    dir: { type: 'string', value: 'DIR', description: 'where backups go (default <data-dir>/backups)' },
    keep: { type: 'string', value: 'N', description: 'how many backups to keep, newest first (default 7)' },
    ...DATABASE_OPTIONS,
  },
  examples: ['openase backup --keep 14', 'openase backup --dir /srv/backups/openase --database-url postgres://…'],
  async run(args, io) {
    const rawKeep = stringOption(args.values.keep) ?? '7';
    const keep = Number(rawKeep);
    if (!Number.isInteger(keep) || keep < 1)
      throw new UsageError(`--keep must be a whole number ≥ 1, got "${rawKeep}"`);
    const w = where(args, io.env);
    const dir = path.resolve(stringOption(args.values.dir) ?? path.join(w.home, 'backups'));
    const { backupDatabase } = await impl();
    const options = await exportOptions(w);
    const result = await withDatabase(w, true, (db) =>
      backupDatabase(db, { ...options, dir, keep, now: () => new Date() }),
    );
    if (args.values.json) return printJson(io, result);
    io.out(`backed up ${describe(w)} to ${result.file} (${result.bytes} bytes)`);
    for (const f of result.deleted) io.out(`deleted the old backup ${f}`);
  },
};
