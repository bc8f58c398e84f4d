// Scenario 2: event ingest. `runs` concurrent agent runs (simulated daemons) each emit message
// events in batches, first at `calmRate` events/s (below capacity: the SSE figure without a
// backlog), then from `rate` upward: the offered rate is raised ×1.5 per step until the control
// plane stores less than 90 % of it (saturation) or `maxSteps` is reached (a first step that saturates halves the
// rate until one is stored in full); capacity = the most stored per second in a step (acknowledged: `run.ack`
// carries the highest contiguous seq stored), the steady capacity = the most in a step stored in full.
// Then, once the backlog has drained, emit → SSE is measured at 80 % of the steady capacity by a few
// browser-side SSE clients (`runs.onEvents`, the stream the run page opens): daemon emit (the
// event's `ts`) → SSE receive.
import { Fleet } from '../../fleet-sim/fleet.mjs';
import { startSseClients } from './sse-clients.mjs';
import {
  benchProject,
  createTickets,
  log,
  now,
  procSample,
  round,
  sleep,
  startServer,
  summary,
  until,
} from '../lib.mjs';

export async function eventIngest({
  databaseUrl,
  runs = 200,
  rate = 150,
  windowMs = 20_000,
  sseClients = 5,
  calmRate = 5,
  maxSteps = 5,
  stepMs = 6000,
}) {
  const server = await startServer({ databaseUrl });
  const machines = Math.ceil(runs / 4);
  const fleet = new Fleet({
    url: server.url,
    token: server.token,
    machines,
    slots: 4,
    prefix: 'ing',
    hold: true,
    emitting: false,
    eventsPerSecond: rate,
    batchMs: 100,
    textBytes: 80,
  });
  let clients = null;
  try {
    await benchProject(server, { slug: 'ing', prefix: 'ING' });
    await fleet.start();
    log(`ingest: ${machines} machines connected`);
    await createTickets(server, 'ing', runs, { status: 'Todo' });
    log(`ingest: ${runs} tickets created, ${fleet.activeRuns} runs`);
    if (!(await until(() => fleet.activeRuns >= runs, 60_000)))
      log(`ingest: only ${fleet.activeRuns}/${runs} runs started`);
    const inFlight = [...fleet.daemons.flatMap((d) => [...d.held.values()])].slice(0, sseClients);
    clients = startSseClients({ url: server.url, token: server.token, runIds: inFlight.map((r) => r.runId) });
    // First phase: emit → SSE below the ingest capacity (every run at `calmRate`), measured
    // before any backlog exists.
    fleet.opts.eventsPerSecond = calmRate;
    fleet.emitting = true;
    await sleep(2000);
    await clients.reset();
    const calm = { acked: fleet.stats.eventsAcked, t: now() };
    await sleep(10_000);
    const calmResult = {
      offeredEventsPerSecond: runs * calmRate,
      storedEventsPerSecond: round((fleet.stats.eventsAcked - calm.acked) / ((now() - calm.t) / 1000), 0),
      emitToSseMs: summary(await clients.take()),
    };
    // Second phase: raise the offered rate until the control plane no longer keeps up (stores under 90 % of it). A
    // first step that already saturates is not a capacity to take 80 % of (a backlog makes group commit's
    // transactions bigger, so a saturated step stores more a second than a steady stream is stored at): the rate is
    // halved, once the backlog is stored, until a step is stored in full.
    const steps = [];
    const drained = (rate) => until(() => fleet.stats.eventsSent - fleet.stats.eventsAcked < rate / 5, 60_000);
    let perRun = rate;
    for (let step = 0; step < maxSteps + 3; step++) {
      fleet.opts.eventsPerSecond = perRun;
      await sleep(2000); // warm-up
      const m = await measure(fleet, server, stepMs);
      const keptUp = m.storedEventsPerSecond >= 0.9 * m.offeredEventsPerSecond;
      steps.push({ perRunRate: perRun, keptUp, ...m });
      log(`ingest: offered ${m.offeredEventsPerSecond}/s, stored ${m.storedEventsPerSecond}/s`);
      if (keptUp) {
        if (steps.length >= maxSteps) break;
        perRun = Math.round(perRun * 1.5);
        continue;
      }
      if (steps.some((s) => s.keptUp) || perRun <= calmRate) break;
      perRun = Math.max(calmRate, Math.round(perRun / 2));
      fleet.opts.eventsPerSecond = calmRate;
      await drained(m.storedEventsPerSecond);
    }
    const best = steps.reduce((a, b) => (b.storedEventsPerSecond > a.storedEventsPerSecond ? b : a));
    const saturated = steps.some((s) => !s.keptUp);
    // The highest rate stored in full: what a steady stream can be offered without a backlog building.
    const steady = steps
      .filter((s) => s.keptUp)
      .reduce((a, b) => (!a || b.storedEventsPerSecond > a.storedEventsPerSecond ? b : a), null);
    // Third phase: 80 % of that (of the best step's if none kept up), once the backlog is stored.
    const capacity = (steady ?? best).storedEventsPerSecond;
    fleet.opts.eventsPerSecond = Math.max(1, Math.round((0.8 * capacity) / fleet.activeRuns));
    await drained(capacity);
    await sleep(3000);
    await clients.reset();
    const eighty = await measure(fleet, server, windowMs);
    const latencies = await clients.take();
    return {
      runs: fleet.activeRuns,
      steps,
      saturated,
      capacityEventsPerSecond: best.storedEventsPerSecond,
      steadyEventsPerSecond: steady?.storedEventsPerSecond ?? null,
      offeredEventsPerSecond: best.offeredEventsPerSecond,
      storedEventsPerSecond: best.storedEventsPerSecond,
      controlPlaneCpuCores: best.controlPlaneCpuCores,
      atEightyPercent: { ...eighty, emitToSseMs: summary(latencies) },
      emitToSseMs: summary(latencies),
      backlogEvents: fleet.stats.eventsSent - fleet.stats.eventsAcked,
      controlPlaneRssMiB: round(procSample(server.pid).rss / 1048576),
      errors: fleet.stats.errors.slice(0, 5),
      calm: calmResult,
    };
  } finally {
    await clients?.stop();
    await fleet.stop();
    await server.stop();
  }
}

/** Offered and stored events/s and the control plane's CPU over `ms`. */
async function measure(fleet, server, ms) {
  const before = { acked: fleet.stats.eventsAcked, sent: fleet.stats.eventsSent, cp: procSample(server.pid), t: now() };
  await sleep(ms);
  const after = { acked: fleet.stats.eventsAcked, sent: fleet.stats.eventsSent, cp: procSample(server.pid), t: now() };
  const seconds = (after.t - before.t) / 1000;
  return {
    offeredEventsPerSecond: round((after.sent - before.sent) / seconds, 0),
    storedEventsPerSecond: round((after.acked - before.acked) / seconds, 0),
    controlPlaneCpuCores: round((after.cp.cpuSeconds - before.cp.cpuSeconds) / seconds, 2),
  };
}
