/**
 * The correctness half of the two-replica benchmark (scripts/bench/scenarios/replicas.mjs), as an
 * ordinary test without timing: two real control planes (the bundle) on one PostgreSQL, each
 * holding the sockets of its own simulated daemons (scripts/fleet-sim: the real protocol over
 * real WebSockets), tickets moved to Todo through both APIs at once. Every ticket gets exactly
 * one run and one offer, every run completes through the turn handshake, and every event the
 * daemons emitted is stored exactly once.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useReplicas, waitFor, type ControlPlane } from '@openase/test-kit/fleet-harness';
import { postgresUrl } from '@openase/test-kit/databases';
// @ts-expect-error plain ESM script without types
import { Fleet } from '../../scripts/fleet-sim/fleet.mjs';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

const TICKETS = 60;
const EVENTS_PER_RUN = 25;

interface SimRun {
  identifier: string;
}
interface SimFleet {
  start(): Promise<unknown>;
  stop(): Promise<void>;
  stats: { offers: number; finished: number; errors: string[] };
}

describe.skipIf(!postgresUrl)('two control planes on one PostgreSQL', () => {
  const replicas = useReplicas('replica-', ['a', 'b']);
  let a: ControlPlane;
  let b: ControlPlane;
  let sql: postgres.Sql;
  const fleets: SimFleet[] = [];

  beforeAll(async () => {
    [a, b] = replicas.list as [ControlPlane, ControlPlane];
    sql = postgres(replicas.databaseUrl, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    for (const f of fleets) await f.stop();
    await sql?.end({ timeout: 2 });
  });

  it('dispatches each ticket exactly once and stores every event exactly once', async () => {
    await a.api.projects.create.mutate({ name: 'replicas', ticketPrefix: 'REP' });
    await a.api.agents.create.mutate({
      project: 'replicas',
      name: 'sim',
      adapter: 'custom',
      command: '/usr/bin/bench-agent',
    });
    await a.api.workflows.create.mutate({ project: 'replicas', template: 'full-stack', agent: 'sim' });

    const offers = new Map<string, number>();
    const onOffer = (run: SimRun) => offers.set(run.identifier, (offers.get(run.identifier) ?? 0) + 1);
    for (const [cp, prefix] of [
      [a, 'ra'],
      [b, 'rb'],
    ] as const) {
      const fleet = new Fleet({
        url: cp.url,
        token: cp.token,
        machines: 3,
        slots: 10,
        prefix,
        eventsPerTurn: EVENTS_PER_RUN,
        eventsPerSecond: 500,
        batchMs: 10,
        onOffer,
      }) as SimFleet;
      fleets.push(fleet);
      await fleet.start();
    }

    const tickets = [];
    for (let i = 0; i < TICKETS; i++)
      tickets.push(await a.api.tickets.create.mutate({ project: 'replicas', title: `Ticket ${i}` }));
    // Moves through both replicas at once: each reacts to its own and (over NOTIFY) the other's.
    await Promise.all(
      tickets.map((t, i) => (i % 2 ? b : a).api.tickets.move.mutate({ ticket: t.identifier, status: 'Todo' })),
    );

    await waitFor(
      () =>
        `every run to succeed (${fleets.map((f) => f.stats.finished).join('+')} finished; errors ${fleets
          .flatMap((f) => f.stats.errors)
          .slice(0, 3)
          .join('; ')})`,
      async () => {
        const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from runs where state = 'succeeded'`;
        return row!.n >= TICKETS;
      },
      180_000,
    );
    const runs = await sql<
      Array<{ ticket_id: string; state: string; acked_seq: number; stored: number; max_seq: number }>
    >`
      select r.ticket_id, r.state, r.acked_seq, count(e.seq)::int as stored, coalesce(max(e.seq), 0)::int as max_seq
      from runs r left join run_events e on e.run_id = r.id group by r.id`;
    expect(runs).toHaveLength(TICKETS);
    expect(new Set(runs.map((r) => r.ticket_id)).size).toBe(TICKETS);
    for (const r of runs)
      expect(r).toMatchObject({
        state: 'succeeded',
        acked_seq: EVENTS_PER_RUN,
        stored: EVENTS_PER_RUN,
        max_seq: EVENTS_PER_RUN,
      });
    expect(offers.size).toBe(TICKETS);
    expect([...offers.values()].every((n) => n === 1)).toBe(true);
    // Both replicas offered runs to the machines whose sockets they hold.
    expect(fleets.every((f) => f.stats.offers > 0)).toBe(true);
    for (const t of tickets)
      expect((await b.api.tickets.show.query({ ticket: t.identifier })).status.name).toBe('In Review');
  });
});
