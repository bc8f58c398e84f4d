/**
 * The large move (docs/operations.md): an embedded instance with N tickets and M run events is
 * moved to a scratch PostgreSQL database by `moveDatabase` (what `openase db migrate-to` runs) and
 * verified table by table. A documented manual run, skipped by `npm test` (it takes minutes):
 *
 *   OPENASE_BENCH_MOVE_TICKETS=10000 OPENASE_BENCH_MOVE_EVENTS=1000000 \
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     npx -y pnpm@10.34.9 exec vitest run control-plane/test/migrate-to-large.test.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { createChangeBus } from '../src/kernel/change-bus.js';
import { randomIds, systemClock, type Actor, type Deps } from '../src/kernel/context.js';
import { silentLogger } from '../src/kernel/logger.js';
import { createMetrics } from '../src/kernel/metrics.js';
import { bootstrapInstance } from '../src/auth/bootstrap.js';
import { memorySecretCipher } from '../src/secrets/cipher.js';
import { createProject } from '../src/projects/projects.js';
import { createTicket } from '../src/tickets/tickets.js';
import { createAgent } from '../src/agents/agents.js';
import { createJoinToken, redeemJoinToken } from '../src/fleet/join.js';
import { startCommandRun } from '../src/runs/runs.js';
import { acceptRun, offerRun } from '../src/runs/lifecycle.js';
import { storeEventBatches } from '../src/runs/ingest.js';
import { moveDatabase } from '../src/db/transfer/move.js';
import { createScratchPostgres, postgresUrl } from './databases.js';

const tickets = Number(process.env.OPENASE_BENCH_MOVE_TICKETS ?? 0);
const events = Number(process.env.OPENASE_BENCH_MOVE_EVENTS ?? 0);
const perRun = 10_000;
const log = (line: string) => process.stderr.write(`[migrate-to] ${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

describe.skipIf(!tickets || !events || !postgresUrl)('moving a large instance to PostgreSQL (manual run)', () => {
  it(`moves ${tickets} tickets and ${events} events, verified`, { timeout: 3_600_000 }, async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-bench-move-'));
    const source = await openDatabase({ kind: 'pglite', dataDir: path.join(home, 'data') });
    const deps: Deps = {
      db: source.db,
      clock: systemClock,
      ids: randomIds,
      bus: createChangeBus(),
      secrets: memorySecretCipher(),
      log: silentLogger(),
      metrics: createMetrics(),
    };
    const scratch = await createScratchPostgres(postgresUrl!);
    try {
      let t0 = performance.now();
      const boot = await bootstrapInstance(deps);
      const admin: Actor = {
        type: 'user',
        id: boot.adminUserId,
        name: 'admin',
        orgId: boot.orgId,
        userId: boot.adminUserId,
        role: 'owner',
      };
      await createProject(deps, admin, { name: 'Big', ticketPrefix: 'BIG' });
      await createAgent(deps, admin, { project: 'big', name: 'a', adapter: 'claude-code', secrets: { KEY: 'secret' } });
      for (let i = 0; i < tickets; i++) await createTicket(deps, admin, { project: 'big', title: `ticket ${i}` });
      log(`${tickets} tickets in ${seconds(t0)}`);
      t0 = performance.now();
      const join = await createJoinToken(deps, admin, {});
      const machine = (await redeemJoinToken(deps, join.token, { name: 'bench', slots: 64 })).machine;
      for (let stored = 0; stored < events;) {
        const run = await startCommandRun(deps, admin, { machine: machine.name, command: ['true'] });
        await offerRun(deps, run.id);
        await acceptRun(deps, { machineId: machine.id, runId: run.id, leaseEpoch: 1 });
        const n = Math.min(perRun, events - stored);
        for (let seq = 1; seq <= n; seq += 2000) {
          const batch = Array.from({ length: Math.min(2000, n - seq + 1) }, (_, k) => ({
            seq: seq + k,
            ts: Date.now(),
            event: { type: 'output' as const, stream: 'stdout' as const, text: `line ${seq + k} of a run's output` },
          }));
          await storeEventBatches(deps, [{ machineId: machine.id, runId: run.id, leaseEpoch: 1, events: batch }]);
        }
        stored += n;
      }
      log(`${events} events in ${seconds(t0)}`);
      t0 = performance.now();
      const target = await openDatabase({ kind: 'postgres', url: scratch.url, maxConnections: 2 });
      try {
        const result = await moveDatabase(source, target, { release: 'bench', secretKey: null });
        const rows = (name: string) => result.tables.find((t) => t.name === name)?.rows;
        log(
          `moved and verified ${result.rows} rows (${rows('tickets')} tickets, ${rows('run_events')} events) in ${seconds(t0)}`,
        );
        expect(rows('tickets')).toBe(tickets);
        expect(rows('run_events')).toBe(events);
        console.log(
          JSON.stringify({
            tickets: rows('tickets'),
            events: rows('run_events'),
            rows: result.rows,
            seconds: (performance.now() - t0) / 1000,
          }),
        );
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
      await scratch.drop();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
