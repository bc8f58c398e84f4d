// Scenario 3: fleet scale. `machines` simulated daemons connected to one control plane and
// heartbeating (at the control plane's interval, 15 s by default), `runs` of them with a run in
// flight streaming events; over the window we read the control plane's CPU and RSS from /proc.
import { Fleet } from '../../fleet-sim/fleet.mjs';
import { benchProject, createTickets, log, mib, now, round, startServer, until, watchProcess } from '../lib.mjs';

export async function fleetScale({
  databaseUrl,
  machines = 1000,
  runs = 100,
  rate = 10,
  windowMs = 30_000,
  heartbeatMs,
}) {
  const server = await startServer({
    databaseUrl,
    env: heartbeatMs ? { OPENASE_HEARTBEAT_MS: String(heartbeatMs) } : {},
  });
  const fleet = new Fleet({
    url: server.url,
    token: server.token,
    machines,
    slots: 1,
    prefix: 'fleet',
    hold: true,
    eventsPerSecond: rate,
    batchMs: 100,
    connectConcurrency: 20,
  });
  try {
    await benchProject(server, { slug: 'fleet', prefix: 'FLT' });
    const t0 = now();
    await fleet.start();
    const connectSeconds = (now() - t0) / 1000;
    log(`fleet: ${machines} daemons connected in ${round(connectSeconds)} s`);
    await createTickets(server, 'fleet', runs, { status: 'Todo' });
    if (!(await until(() => fleet.activeRuns >= runs, 60_000)))
      log(`fleet: only ${fleet.activeRuns}/${runs} runs started`);
    const heartbeatsBefore = fleet.stats.heartbeats;
    const acked = fleet.stats.eventsAcked;
    const cp = await watchProcess(server.pid, windowMs);
    return {
      machines: fleet.daemons.length,
      runsInFlight: fleet.activeRuns,
      connectSeconds: round(connectSeconds),
      heartbeatsPerSecond: round((fleet.stats.heartbeats - heartbeatsBefore) / (windowMs / 1000)),
      eventsStoredPerSecond: round((fleet.stats.eventsAcked - acked) / (windowMs / 1000), 0),
      controlPlaneCpuCores: round(cp.cpuCores, 2),
      controlPlaneRssMiB: mib(cp.maxRss),
      socketsClosed: fleet.stats.errors.filter((e) => /socket closed/.test(e)).length,
      errors: fleet.stats.errors.slice(0, 5),
    };
  } finally {
    await fleet.stop();
    await server.stop();
  }
}
