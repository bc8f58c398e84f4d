// Scenario 7: two control planes on one PostgreSQL. Each replica holds half of the simulated
// machines' sockets; `tickets` tickets are moved to Todo through both replicas' APIs at once and we
// measure until every one was offered (tickets/s). Runs are held (they stream slowly and do not
// end), so every ticket needs exactly one run. Double dispatch is asserted from the database: no
// ticket has more than one run, and the simulated daemons saw no second offer for a ticket.
import { Fleet, pool } from '../../fleet-sim/fleet.mjs';
import { benchProject, createTickets, log, now, round, startServer, trpc, until } from '../lib.mjs';

export async function twoReplicas({ database, tickets = 1000, machinesPerReplica = 10, budgetMs = 120_000 }) {
  const a = await startServer({ databaseUrl: database.url });
  const b = await startServer({ databaseUrl: database.url });
  const fleets = [];
  const sql = database.sql();
  try {
    await benchProject(a, { slug: 'rep', prefix: 'REP' });
    const offersPerTicket = new Map();
    const onOffer = (run) => offersPerTicket.set(run.identifier, (offersPerTicket.get(run.identifier) ?? 0) + 1);
    const slots = Math.ceil(tickets / (2 * machinesPerReplica));
    for (const [server, prefix] of [
      [a, 'repa'],
      [b, 'repb'],
    ]) {
      const fleet = new Fleet({
        url: server.url,
        token: server.token,
        machines: machinesPerReplica,
        slots,
        prefix,
        hold: true,
        eventsPerSecond: 1,
        batchMs: 1000,
        onOffer,
      });
      fleets.push(fleet);
      await fleet.start();
    }
    log(`replicas: creating ${tickets} tickets…`);
    const ids = await createTickets(a, 'rep', tickets);
    const t0 = now();
    await pool(ids.length, 16, (i) =>
      trpc(i % 2 ? b.url : a.url, i % 2 ? b.token : a.token, 'tickets.move', { ticket: ids[i], status: 'Todo' }),
    );
    const movedSeconds = (now() - t0) / 1000;
    const all = await until(() => offersPerTicket.size >= tickets, budgetMs, 20);
    const seconds = (now() - t0) / 1000;
    if (!all) log(`replicas: only ${offersPerTicket.size}/${tickets} tickets offered within the budget`);
    const [{ doubled }] =
      await sql`select count(*)::int as doubled from (select ticket_id from runs group by ticket_id having count(*) > 1) d`;
    const [{ total }] = await sql`select count(*)::int as total from runs`;
    return {
      tickets,
      offered: offersPerTicket.size,
      movesSeconds: round(movedSeconds, 2),
      allOfferedSeconds: round(seconds, 2),
      ticketsPerSecond: round(offersPerTicket.size / seconds, 0),
      runsInDatabase: total,
      ticketsWithMoreThanOneRun: doubled,
      ticketsOfferedTwice: [...offersPerTicket.values()].filter((n) => n > 1).length,
      offersPerReplica: fleets.map((f) => f.stats.offers),
      errors: fleets.flatMap((f) => f.stats.errors).slice(0, 5),
    };
  } finally {
    for (const f of fleets) await f.stop();
    await sql.end({ timeout: 2 });
    await a.stop();
    await b.stop();
  }
}
