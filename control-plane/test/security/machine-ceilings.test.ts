/**
 * A machine cannot promote itself (issue 13, point 4): what a join token and the machine record
 * allow bounds what a daemon may claim, and a revoked machine's runs end so their tickets move on.
 * The hub and the orchestrator are real; the test plays the daemons frame by frame.
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { ControlFrame } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';
import { fakeDaemon, helloFrame, startOrchestrator } from '../fake-daemon.js';
import { agentProject } from '../agent-project.js';
import { createJoinToken, redeemJoinToken, revokeMachine } from '../../src/fleet/join.js';
import { FleetHub } from '../../src/fleet/hub.js';
import { machines, runs, tickets } from '../../src/db/schema.js';
import { createTicket, moveTicket } from '../../src/tickets/tickets.js';

const claude = { name: 'claude', version: '2.1.197', path: '/usr/bin/claude' };
let n = 0;

forEachDatabase('security: machine ceilings', (get) => {
  it('a daemon claiming 1000 slots, extra labels and an unlisted CLI gets none of them', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, { labels: ['linux'], slots: 4, clis: ['claude'] });
    // Joining: labels beyond the token's and slots above its ceiling are refused with the reason.
    await expect(redeemJoinToken(deps, join.token, { name: `ceil-${++n}`, labels: ['gpu'] })).rejects.toThrow(
      /does not allow label\(s\) gpu; it allows linux/,
    );
    await expect(redeemJoinToken(deps, join.token, { name: `ceil-${++n}`, slots: 1000 })).rejects.toThrow(
      /at most 4 slot/,
    );
    const { machine } = await redeemJoinToken(deps, join.token, { name: `ceil-${++n}`, slots: 2 });
    expect(machine.labels).toEqual(['linux']);
    const hub = new FleetHub(deps);
    const daemon = fakeDaemon(hub, machine);
    const evil = { name: 'evil', version: '1', path: '/x' };
    daemon.conn.receive(helloFrame({ slots: 1000, clis: [claude, evil], labels: ['linux', 'gpu', 'admin'] }));
    await waitFor('welcome', () => daemon.frames.some((f) => f.type === 'welcome'));
    const [row] = await deps.db.select().from(machines).where(eq(machines.id, machine.id));
    expect(row).toMatchObject({ slots: 2, labels: ['linux'] });
    expect((row!.clis as Array<{ name: string }>).map((c) => c.name)).toEqual(['claude']);
    // A heartbeat cannot add the CLI back either.
    daemon.send({
      type: 'heartbeat',
      slotsUsed: 0,
      runs: [],
      clis: [claude, evil],
    });
    await waitFor('the heartbeat stored', async () => {
      await hub.heartbeats.flushed();
      const [m] = await deps.db.select().from(machines).where(eq(machines.id, machine.id));
      return m!.lastHeartbeat !== null;
    });
    const [after] = await deps.db.select().from(machines).where(eq(machines.id, machine.id));
    expect((after!.clis as Array<{ name: string }>).map((c) => c.name)).toEqual(['claude']);
    await hub.stop();
  });

  it("a revoked machine's queued run ends and its ticket is dispatched to another machine", async () => {
    const { deps, admin } = get();
    const slug = `rv${++n}`;
    await agentProject(deps, admin, {
      slug,
      ticketPrefix: `RV${n}X`,
      agent: { secrets: { ANTHROPIC_API_KEY: 'sk-x' } },
      harness: 'finish: [Done]\nmax_attempts: 1\n',
      body: 'Work.',
    });
    const join = await createJoinToken(deps, admin, { labels: [slug], uses: 2 });
    const a = (await redeemJoinToken(deps, join.token, { name: `${slug}-a`, slots: 1 })).machine;
    const b = (await redeemJoinToken(deps, join.token, { name: `${slug}-b`, slots: 1 })).machine;
    const hub = new FleetHub(deps, { offerTimeoutMs: 60_000, heartbeatMs: 100 });
    await hub.start();
    const orchestrator = startOrchestrator(deps, hub);
    try {
      const da = fakeDaemon(hub, a);
      da.conn.receive(helloFrame({ clis: [claude] }));
      await waitFor('welcome of a', () => da.frames.some((f) => f.type === 'welcome'));
      const ticket = await createTicket(deps, admin, { project: slug, title: 'stuck no more' });
      await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'Todo' });
      await waitFor('an offer to a', () => da.frames.some((f) => f.type === 'run.offer'));
      const offer = da.frames.find((f) => f.type === 'run.offer') as Extract<ControlFrame, { type: 'run.offer' }>;
      // The daemon turns it down: the run waits, queued on machine a.
      da.send({ type: 'run.reject', runId: offer.runId, leaseEpoch: offer.leaseEpoch, reason: 'busy' });
      await waitFor('the run queued on a', async () => (await runRow(offer.runId)).state === 'queued');
      const db = fakeDaemon(hub, b);
      db.conn.receive(helloFrame({ clis: [claude] }));
      await waitFor('welcome of b', () => db.frames.some((f) => f.type === 'welcome'));
      await revokeMachine(deps, admin, a.name);
      const ended = await runRow(offer.runId);
      expect(ended).toMatchObject({ state: 'lost', stateReason: `machine ${a.name} was revoked` });
      await waitFor('the ticket offered to b', () => db.frames.some((f) => f.type === 'run.offer'));
      const [t] = await deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
      // The run never started: no attempt used (max_attempts is 1 and the ticket was not parked).
      expect(t).toMatchObject({ attemptCount: 1, parkedReason: null });
    } finally {
      await orchestrator.stop();
      await hub.stop();
    }

    async function runRow(id: string) {
      return (await deps.db.select().from(runs).where(eq(runs.id, id)))[0]!;
    }
  });
});
