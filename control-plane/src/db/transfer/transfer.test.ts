/**
 * Export, import, migrate-to and backup on real databases: an embedded instance with tickets, a
 * run with events, an agent secret and an API token is exported and imported (all or nothing:
 * damaged and truncated files leave the target empty), moved to a scratch PostgreSQL through the
 * CLI with every table verified, and used there: the secret decrypts under the same key, the
 * token authenticates, new rows get fresh serial ids.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, resultRows, type Database } from '../database.js';
import { createChangeBus } from '../../kernel/change-bus.js';
import { randomIds, systemClock, type Deps } from '../../kernel/context.js';
import { silentLogger } from '../../kernel/logger.js';
import { createMetrics } from '../../kernel/metrics.js';
import { bootstrapInstance } from '../../auth/bootstrap.js';
import { authenticateToken, issueToken } from '../../auth/tokens.js';
import { createSecretCipher, loadOrCreateSecretKey } from '../../secrets/cipher.js';
import { createProject } from '../../projects/projects.js';
import { createTicket } from '../../tickets/tickets.js';
import { agentSecretEnv, createAgent } from '../../agents/agents.js';
import { createJoinToken, redeemJoinToken } from '../../fleet/join.js';
import { startCommandRun } from '../../runs/runs.js';
import { acceptRun, offerRun } from '../../runs/lifecycle.js';
import { storeEventBatches } from '../../runs/ingest.js';
import { runCli } from '../../cli/main.js';
import { bootAdmin, createScratchPostgres, postgresUrl } from '@openase/test-kit/databases';
import { exportLines } from './dump.js';
import { importLines } from './load.js';
import { readExportFile } from './files.js';
import { summarize } from './format.js';
import { backupDatabase, backupFileName, expiredBackups } from './backup.js';

const EVENTS = 250;
const opts = { release: 'test', secretKey: null };

function depsFor(database: Database, home: string): Deps {
  return {
    db: database.db,
    clock: systemClock,
    ids: randomIds,
    bus: createChangeBus(),
    secrets: createSecretCipher(loadOrCreateSecretKey(home).key),
    log: silentLogger(),
    metrics: createMetrics(),
  };
}

async function count(database: Database, table: string): Promise<number> {
  return resultRows<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe("moving an instance's data", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-transfer-'));
  const home = path.join(dir, 'home');
  let token = '';
  let agentId = '';

  beforeAll(async () => {
    fs.mkdirSync(home);
    const source = await openDatabase({ kind: 'pglite', dataDir: path.join(home, 'data') });
    const deps = depsFor(source, home);
    const boot = await bootstrapInstance(deps);
    const admin = bootAdmin(boot);
    await createProject(deps, admin, { name: 'Moving', ticketPrefix: 'MOV' });
    for (let i = 0; i < 30; i++)
      await createTicket(deps, admin, { project: 'moving', title: `ticket ${i} — "quoted" \\ ünï` });
    agentId = (
      await createAgent(deps, admin, {
        project: 'moving',
        name: 'claude',
        adapter: 'claude-code',
        secrets: { API_KEY: 'sk-moved' },
      })
    ).id;
    token = (await issueToken(deps.db, deps, boot.adminUserId, { name: 'ops', scopes: ['read'] })).token;
    const join = await createJoinToken(deps, admin, {});
    const machine = (await redeemJoinToken(deps, join.token, { name: 'worker', slots: 2 })).machine;
    const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
    await offerRun(deps, run.id);
    await acceptRun(deps, { machineId: machine.id, runId: run.id, leaseEpoch: 1 });
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      seq: i + 1,
      ts: 1_700_000_000_000 + i,
      event: { type: 'output' as const, stream: 'stdout' as const, text: `line ${i + 1}\u0001 ✓` },
    }));
    await storeEventBatches(deps, [{ machineId: machine.id, runId: run.id, leaseEpoch: 1, events }]);
    await source.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports to a file; an import takes it all or nothing (damaged and truncated files leave nothing)', async () => {
    const file = path.join(dir, 'export.jsonl.gz');
    const exported = await cli(['db', 'export', file, '--data-dir', home, '--json']);
    expect(exported.code, exported.err).toBe(0);
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
    const row = lines.findIndex((l) => l.includes('line 17'));
    const damaged = [...lines];
    damaged[row] = damaged[row]!.replace('line 17', 'line 71');
    const target = await openDatabase({ kind: 'pglite', dataDir: null });
    try {
      for (const [name, content, why] of [
        ['damaged', damaged, /run_events should hold/],
        ['truncated', lines.slice(0, lines.length - 5), /truncated/],
      ] as const) {
        const bad = path.join(dir, `${name}.jsonl`);
        fs.writeFileSync(bad, content.join('\n'));
        await expect(importLines(target, readExportFile(bad))).rejects.toThrow(why);
        expect(await count(target, 'tickets')).toBe(0);
        expect(await count(target, 'organizations')).toBe(0);
      }
      const result = await importLines(target, readExportFile(file));
      expect(result.tables.get('run_events')?.rows).toBe(EVENTS);
      expect(await count(target, 'run_events')).toBe(EVENTS);
      expect(await summarize(exportLines(target, opts))).toEqual(await summarize(readExportFile(file)));
      // A second import finds the target not empty.
      await expect(importLines(target, readExportFile(file))).rejects.toThrow(/not empty/);
    } finally {
      await target.close();
    }
  });

  describe.skipIf(!postgresUrl)('to PostgreSQL [postgres]', () => {
    let scratch: { url: string; drop(): Promise<void> };
    beforeAll(async () => {
      scratch = await createScratchPostgres(postgresUrl!);
    });
    afterAll(async () => scratch?.drop());

    it('moves every table, verified, and the instance works there with the same secret key', async () => {
      const moved = await cli(['db', 'migrate-to', scratch.url, '--data-dir', home, '--json']);
      expect(moved.code, moved.err).toBe(0);
      const result = JSON.parse(moved.out) as { rows: number; tables: Array<{ name: string; rows: number }> };
      expect(result.tables.find((t) => t.name === 'run_events')?.rows).toBe(EVENTS);
      expect(result.tables.find((t) => t.name === 'tickets')?.rows).toBe(30);
      const target = await openDatabase({ kind: 'postgres', url: scratch.url, maxConnections: 2 });
      try {
        const deps = depsFor(target, home);
        expect(await agentSecretEnv(deps, agentId)).toEqual({ API_KEY: 'sk-moved' });
        const actor = await authenticateToken(deps, token);
        expect(actor.name).toBeTruthy();
        // Serial ids continue after the moved rows: new activity does not collide.
        await createTicket(deps, { ...actor, role: 'owner' }, { project: 'moving', title: 'after the move' });
        expect(await count(target, 'tickets')).toBe(31);
      } finally {
        await target.close();
      }
      // Moving again finds the target not empty and changes nothing.
      const again = await cli(['db', 'migrate-to', scratch.url, '--data-dir', home]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/not empty/);
    });
  });

  it('keeps the newest backups by --keep; a backup holds what an export does', async () => {
    expect(
      expiredBackups(
        [
          'openase-backup-20261201T000000Z.jsonl.gz',
          'other.gz',
          'openase-backup-20261203T000000Z.jsonl.gz',
          'openase-backup-20261202T000000Z.jsonl.gz',
        ],
        2,
      ),
    ).toEqual(['openase-backup-20261201T000000Z.jsonl.gz']);
    expect(backupFileName(new Date('2026-12-04T23:10:05.123Z'))).toBe('openase-backup-20261204T231005Z.jsonl.gz');
    const backups = path.join(dir, 'backups');
    const source = await openDatabase({ kind: 'pglite', dataDir: path.join(home, 'data') });
    try {
      for (const day of [1, 2, 3])
        await backupDatabase(source, {
          ...opts,
          dir: backups,
          keep: 2,
          now: () => new Date(`2026-12-0${day}T00:00:00Z`),
        });
    } finally {
      await source.close();
    }
    expect(fs.readdirSync(backups).sort()).toEqual([
      'openase-backup-20261202T000000Z.jsonl.gz',
      'openase-backup-20261203T000000Z.jsonl.gz',
    ]);
    // A backup is an export: it restores with `db import` (tested above); its tables match the export's.
    expect(await summarize(readExportFile(path.join(backups, 'openase-backup-20261203T000000Z.jsonl.gz')))).toEqual(
      await summarize(readExportFile(path.join(dir, 'export.jsonl.gz'))),
    );
    const viaCli = await cli(['backup', '--data-dir', home, '--keep', '1', '--json']);
    expect(viaCli.code, viaCli.err).toBe(0);
    expect(fs.readdirSync(path.join(home, 'backups'))).toHaveLength(1);
  });
});
