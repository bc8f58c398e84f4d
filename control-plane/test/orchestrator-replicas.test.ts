/**
 * Two control planes on one PostgreSQL, four real daemons (two connected to each), 200 tickets:
 * every ticket is dispatched exactly once, and daemons on either control plane receive runs the
 * other one claimed (offers travel as relayed activity). Asserted from the database.
 *
 * The agent is deliberately trivial (one `node -e` turn that ends without finishing; the workflow
 * allows one turn and one attempt), so the test measures dispatch, not agents.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import postgres from 'postgres';
import { startJoinedAgent, waitFor, useReplicas, type ControlPlane, type Proc } from '@openase/test-kit/fleet-harness';
import { createQuickProject } from '@openase/test-kit/one-turn-agents';
import { postgresUrl } from '@openase/test-kit/databases';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 300_000 });

// 200 tickets keep 16 slots on 4 daemons busy through many claim rounds on both control planes (500
// did the same in 2.5× the time, a large share of the suite).
const TICKETS = 200;

describe.skipIf(!postgresUrl)('several control planes on one PostgreSQL [postgres]', () => {
  const replicas = useReplicas('cp-', ['a', 'b']);
  let a: ControlPlane;
  let b: ControlPlane;
  const daemons: Proc[] = [];

  beforeAll(async () => {
    [a, b] = replicas.list as [ControlPlane, ControlPlane];
    for (const [cp, name] of [
      [a, 'a1'],
      [a, 'a2'],
      [b, 'b1'],
      [b, 'b2'],
    ] as const) {
      daemons.push(await startJoinedAgent(cp, name, { slots: 4 }));
    }
    await waitFor(
      'four machines online',
      async () => (await a.api.machines.list.query()).machines.filter((m) => m.status === 'online').length === 4,
    );
  });
  afterAll(async () => {
    for (const d of daemons) await d.kill();
  });

  it(`dispatches each of ${TICKETS} tickets exactly once, to daemons of both control planes`, async () => {
    await createQuickProject(a.api, 'Replicas', 'REP');
    // Created straight into Todo through both control planes at once: both dispatch as they go.
    await Promise.all(
      Array.from({ length: TICKETS }, (_, i) =>
        (i % 2 ? a : b).api.tickets.create.mutate({ project: 'replicas', title: `ticket ${i}`, status: 'Todo' }),
      ),
    );
    const sql = postgres(replicas.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      let ended = 0;
      await waitFor(
        () => `every ticket's run ended (${ended} of ${TICKETS})`,
        async () => {
          // Every ticket ends parked: its one attempt used its one turn without finishing.
          const [row] = await sql<
            { parked: number }[]
          >`select count(*)::int as parked from tickets where parked_reason is not null`;
          ended = row!.parked;
          return ended >= TICKETS;
        },
        480_000,
      );
      const perTicket = await sql<
        { n: number }[]
      >`select count(r.id)::int as n from tickets t left join runs r on r.ticket_id = t.id group by t.id`;
      expect(perTicket).toHaveLength(TICKETS);
      const counts = perTicket.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.n]: (acc[r.n] ?? 0) + 1 }), {});
      expect(counts).toEqual({ 1: TICKETS });
      const perMachine = await sql<
        { name: string; n: number }[]
      >`select m.name, count(r.id)::int as n from machines m join runs r on r.machine_id = m.id group by m.name order by m.name`;
      expect(perMachine.map((r) => r.name)).toEqual(['a1', 'a2', 'b1', 'b2']);
      // Every offer epoch was accepted once: no run was executed twice.
      const [twice] = await sql<
        { n: number }[]
      >`select count(*)::int as n from (select run_id from run_transitions where to_state = 'running' group by run_id having count(*) > 1) x`;
      expect(twice!.n).toBe(0);
    } finally {
      await sql.end();
    }
  });
});
