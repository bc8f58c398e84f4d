/**
 * Issue 17's large move, end to end (docs/operations.md): migrate-to-serve's instance (project `moving` whose agent
 * holds a secret, a real daemon, one agent run) filled to 10,000 tickets in 10 more projects and 1 M run events
 * (scripts/bench/big-data.mjs, straight into the stopped server's PGlite data dir); `openase db migrate-to` moves it
 * to PostgreSQL (counts and checksums); the server started on PostgreSQL shows every project's whole board, the
 * console's board page answers, the old agent run's transcript and the longest run's last 1,000 events are there,
 * and a new ticket's agent run reads the moved secret. Minutes, so by hand and never in `npm test`:
 *
 *   npm run check:migrate-large [-- --tickets 10000 --events 1000000]
 *
 * (sets OPENASE_CHECK_MIGRATE_LARGE=1 and TEST_DATABASE_URL, and runs this file).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types (shared with the benchmarks)
import { fillBigData } from '../../scripts/bench/big-data.mjs';
// @ts-expect-error plain ESM helper without types
import { postgres } from '../../scripts/lib/scratch-postgres.mjs';
import { openDatabase } from '../src/db/database.js';
import { postgresUrl } from '@openase/test-kit/databases';
import { movingInstance, wholeBoard } from './migrate-to-harness.js';

const enabled = process.env.OPENASE_CHECK_MIGRATE_LARGE === '1';
const tickets = Number(process.env.OPENASE_CHECK_MIGRATE_TICKETS ?? 10_000);
const events = Number(process.env.OPENASE_CHECK_MIGRATE_EVENTS ?? 1_000_000);
const projects = 10;
const longRun = Math.min(100_000, events);
const timings: Record<string, number> = {};
const log = (line: string) => process.stderr.write(`[migrate-large] ${line}\n`);

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  timings[name] = Math.round((performance.now() - t0) / 100) / 10;
  log(`${name}: ${timings[name]} s`);
  return value;
}

/** Fills the stopped server's embedded database. */
async function fill(home: string, projectIds: string[]) {
  const source = await openDatabase({ kind: 'pglite', dataDir: path.join(home, 'data') });
  try {
    const pg = source.raw.pglite!;
    return await fillBigData((text: string) => pg.query(text), {
      projectIds,
      ticketsPerProject: Math.floor(tickets / projects),
      events,
      eventsPerRun: 1000,
      longRun,
      log,
    });
  } finally {
    await source.close();
  }
}

/** Rows in the moved database, counted there. */
async function countsIn(url: string): Promise<{ tickets: number; events: number }> {
  const target = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await target`select (select count(*)::int from tickets) as tickets,
      (select count(*)::int from run_events) as events`;
    return row;
  } finally {
    await target.end();
  }
}

describe.skipIf(!enabled || !postgresUrl)('moving a large instance to PostgreSQL, then using it (by hand)', () => {
  const instance = movingInstance('migrate-large');

  it(
    `moves ${tickets} tickets and ${events} events; the board, runs and a secret-using agent work after`,
    {
      timeout: 3_600_000,
    },
    async () => {
      const total = performance.now();
      const slugs: string[] = [];
      await instance.start(async (cp) => {
        for (let p = 1; p <= projects; p++)
          slugs.push((await cp.api.projects.create.mutate({ name: `Bulk ${p}`, ticketPrefix: `BLK${p}` })).slug);
      });
      const ids = await Promise.all(
        slugs.map(async (s) => (await instance.cp.api.projects.get.query({ project: s })).id),
      );
      const before = await instance.runTicket('MOV-1');
      await instance.stop();
      const filled = await step('generate on PGlite', () => fill(instance.home, ids));
      await step('migrate-to', () => instance.migrate());
      expect(await countsIn(instance.scratch.url)).toEqual({
        tickets: filled.tickets + 5,
        events: filled.events + before.run.ackedSeq,
      });
      await step('start on PostgreSQL', () => instance.restartOnPostgres());
      const { api, url } = instance.cp;

      // Every board, whole; the console's board page and its script answer.
      const boards = await step('every board', () => Promise.all(slugs.map((s) => wholeBoard(api, s))));
      expect(boards.map((b) => b.length)).toEqual(slugs.map(() => Math.floor(tickets / projects)));
      expect(boards.flat().filter((t) => t.lastRunState === 'succeeded')).toHaveLength(filled.runs);
      const page = await fetch(`${url}/p/${slugs[0]}/board`);
      expect(page.status).toBe(200);
      const script = /<script[^>]+src="([^"]+)"/.exec(await page.text())?.[1];
      expect((await fetch(new URL(script!, url))).status).toBe(200);

      // The old agent run as it was; the longest generated run's end first.
      expect((await instance.ticketSaid('MOV-1')).said).toEqual(before.said);
      const longest = await api.runs.show.query({ run: filled.longRunId });
      expect(longest.ackedSeq).toBe(longRun);
      const tail = await step('transcript, last 1,000 events', () =>
        api.runs.events.query({ run: longest.id, beforeSeq: longRun + 1, limit: 1000 }),
      );
      expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => longRun - 999 + i));

      // The daemon back with its credentials; a new ticket's run reads the secret moved with its key.
      await step('a new agent run', () => instance.runAfterMove('MOV-2'));
      timings.total = Math.round((performance.now() - total) / 100) / 10;
      console.log(JSON.stringify({ tickets: filled.tickets + 5, events: filled.events, runs: filled.runs, timings }));
    },
  );
});
