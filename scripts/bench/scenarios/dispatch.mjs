// Scenario 1: dispatch latency. A ticket is moved to a pickup status (Todo) through the API; we
// measure from sending the move until the connected simulated daemon receives `run.offer` (the
// point where a real daemon starts the agent process), and until its first event is sent after
// `run.started`. Tickets are moved one at a time (each waits for its offer), so the figure is the
// reaction time, not a queue. With `busy` machines, another project keeps that many machines full
// of runs streaming events while we measure.
import { Fleet } from '../../fleet-sim/fleet.mjs';
import { benchProject, createTickets, log, now, startServer, summary, trpc, until } from '../lib.mjs';

export async function dispatchLatency({
  databaseUrl,
  tickets = 1000,
  machines = 10,
  busy = 0,
  busyRate = 5,
  budgetMs = 150_000,
}) {
  const server = await startServer({ databaseUrl });
  const fleets = [];
  try {
    if (busy > 0) {
      await benchProject(server, { slug: 'busy', prefix: 'BSY' });
      // Busy runs stream `busyRate` events/s each once all have started (a quiet agent's pace).
      const busyFleet = new Fleet({
        url: server.url,
        token: server.token,
        machines: busy,
        slots: 1,
        prefix: 'busy',
        hold: true,
        emitting: false,
        eventsPerSecond: busyRate,
        batchMs: 500,
      });
      fleets.push(busyFleet);
      await busyFleet.start();
      await createTickets(server, 'busy', busy, { status: 'Todo' });
      if (!(await until(() => busyFleet.activeRuns >= busy, 60_000)))
        log(`only ${busyFleet.activeRuns}/${busy} busy machines got a run`);
      busyFleet.emitting = true;
    }
    await benchProject(server, { slug: 'disp', prefix: 'DSP' });
    const waiting = new Map();
    const fleet = new Fleet({
      url: server.url,
      token: server.token,
      machines,
      slots: 8,
      prefix: 'disp',
      eventsPerTurn: 3,
      eventsPerSecond: 200,
      batchMs: 5,
      onOffer: (run) => waiting.get(run.identifier)?.offered(run),
      onStarted: (run) => waiting.get(run.identifier)?.started(run),
    });
    fleets.push(fleet);
    await fleet.start();
    const toOffer = [];
    const toStarted = [];
    const toFirstEvent = [];
    const moveCall = [];
    const committedToOffer = [];
    const end = now() + budgetMs;
    let timedOut = 0;
    // Tickets are created in Backlog in chunks of 50 ahead of their moves (creation is not
    // measured), so a budget-bounded run creates few more tickets than it measures.
    const ids = [];
    for (let i = 0; i < tickets; i++) {
      if (now() > end) break;
      if (ids.length === 0) ids.push(...(await createTickets(server, 'disp', Math.min(50, tickets - i))));
      const identifier = ids.shift();
      let offered;
      const entry = { offerAt: 0, run: null };
      const offer = new Promise((resolve) => (offered = resolve));
      entry.offered = (run) => {
        entry.offerAt = now();
        entry.run = run;
        offered();
      };
      entry.started = () => {};
      waiting.set(identifier, entry);
      const t0 = now();
      await trpc(server.url, server.token, 'tickets.move', { ticket: identifier, status: 'Todo' });
      const committed = now();
      moveCall.push(committed - t0);
      const got = await Promise.race([offer.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      waiting.delete(identifier);
      if (!got) {
        timedOut++;
        continue;
      }
      toOffer.push(entry.run.offeredAt - t0);
      committedToOffer.push(entry.run.offeredAt - committed);
      toStarted.push(entry.run.startedAt - t0);
      const first = await until(() => entry.run.firstEventAt, 2000, 2);
      if (first) toFirstEvent.push(first - t0);
      // The stand-in agent ends its run within milliseconds; the next move waits for that run's
      // end (turn, gate, finish, outcome) so each figure is the reaction of an idle control plane.
      // `dispatch-busy` is the figure under load.
      await until(() => fleet.activeRuns === 0 && fleet.stats.finished >= toOffer.length, 5000, 2);
    }
    await until(() => fleet.activeRuns === 0, 20_000);
    const stats = fleet.stats;
    return {
      tickets: toOffer.length,
      asked: tickets,
      machines,
      busyMachines: busy,
      busyEventsPerSecond: busy ? busy * busyRate : 0,
      moveToOfferMs: summary(toOffer),
      moveToStartedMs: summary(toStarted),
      moveToFirstEventMs: summary(toFirstEvent),
      moveRequestMs: summary(moveCall),
      moveAnsweredToOfferMs: summary(committedToOffer),
      timedOut,
      offers: stats.offers,
      duplicateOffers: stats.duplicateOffers,
      runsFinished: stats.finished,
      errors: stats.errors.slice(0, 5),
    };
  } finally {
    for (const f of fleets) await f.stop();
    await server.stop();
  }
}
