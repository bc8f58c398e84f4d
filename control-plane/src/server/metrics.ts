/**
 * `GET /metrics`: Prometheus text format, behind a metrics token (`Authorization: Bearer …`,
 * OPENASE_METRICS_TOKEN or the file named by OPENASE_METRICS_TOKEN_FILE). Without a configured
 * token the endpoint answers 404 and says how to turn it on.
 *
 * Besides what domain code records (kernel/metrics.ts), each scrape reads from the database what
 * holds for the whole instance — runs by state, machines by status, slots, queue depth and cost
 * per project — and from this process what holds for this replica: daemon sessions, the
 * connection pool, leadership, Node's own figures. Every replica serves its own /metrics; scrape
 * each one (docs/operations.md), not the proxy.
 */
import { timingSafeEqual } from 'node:crypto';
import { and, inArray, ne, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import { ACTIVE_RUN_STATES, MACHINE_STATUSES, RUN_STATES } from '@openase/shared';
import { machines, projects, runs } from '../db/schema.js';
import { resultRows, type Database } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import { queueDepths } from '../orchestrator/dispatcher.js';
import { machineStatus } from '../fleet/status.js';
import type { FleetHub } from '../fleet/hub.js';
import { VERSION } from '../version.js';

export interface MetricsSources {
  deps: Deps;
  database: Database;
  hub: FleetHub;
  isLeader: () => boolean;
  /** The name this replica's PostgreSQL connections carry (pg_stat_activity.application_name). */
  applicationName?: string;
}

/** The /metrics handler; `token` null answers 404 with how to turn metrics on. */
export function metricsHandler(sources: MetricsSources, token: string | null) {
  const refresh = instanceGauges(sources);
  collectDefaultMetrics({ register: sources.deps.metrics.registry, prefix: 'openase_' });
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return async (c: Context) => {
    if (!expected)
      return c.json(
        { error: { code: 'NOT_FOUND', message: 'metrics are off: set OPENASE_METRICS_TOKEN to serve /metrics' } },
        404,
      );
    const given = Buffer.from(c.req.header('authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return c.json(
        { error: { code: 'UNAUTHORIZED', message: 'send the metrics token as Authorization: Bearer <token>' } },
        401,
      );
    await refresh();
    const registry = sources.deps.metrics.registry;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  };
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** Gauges read at scrape time; returns the function that refreshes them. */
function instanceGauges(sources: MetricsSources): () => Promise<void> {
  const { deps, database, hub } = sources;
  const r = deps.metrics.registry;
  gauge(r, 'openase_build_info', 'The release this replica runs', ['version']).set({ version: VERSION }, 1);
  const leader = gauge(r, 'openase_leader', '1 when this replica runs the periodic work (sweeps, schedules)');
  const runsByState = gauge(r, 'openase_runs', 'Runs by state (whole instance)', ['state']);
  const machinesByStatus = gauge(r, 'openase_machines', 'Machines by status (whole instance)', ['status']);
  const slots = gauge(r, 'openase_slots', 'Run slots: used on any machine, free on online machines', ['state']);
  const queue = gauge(r, 'openase_queue_depth', 'Tickets waiting to be dispatched, per project', ['project']);
  const cost = gauge(r, 'openase_cost_usd', 'Cost of all runs so far, per project (USD)', ['project']);
  const sessions = gauge(r, 'openase_daemon_sessions', 'Daemon sessions held by this replica', ['transport']);
  const poolMax = gauge(r, 'openase_db_pool_max', 'Connections this replica may open to the database');
  const pool = gauge(r, 'openase_db_pool_connections', 'Database connections of this replica', ['state']);

  return async () => {
    leader.set(sources.isLeader() ? 1 : 0);
    for (const [transport, n] of Object.entries(hub.sessionCounts())) sessions.set({ transport }, n);

    const states = await deps.db
      .select({ state: runs.state, n: sql<number>`count(*)::int` })
      .from(runs)
      .groupBy(runs.state);
    for (const state of RUN_STATES) runsByState.set({ state }, states.find((s) => s.state === state)?.n ?? 0);

    const now = deps.clock.now();
    const rows = await deps.db.select().from(machines);
    const busy = new Map(
      (
        await deps.db
          .select({ machineId: runs.machineId, n: sql<number>`count(*)::int` })
          .from(runs)
          .where(and(inArray(runs.state, [...ACTIVE_RUN_STATES]), ne(runs.state, 'queued')))
          .groupBy(runs.machineId)
      ).map((b) => [b.machineId, b.n]),
    );
    const byStatus = new Map<string, number>();
    let used = 0;
    let free = 0;
    for (const m of rows) {
      const status = machineStatus(m, now, hub.thresholds, hub.startedAt);
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const n = busy.get(m.id) ?? 0;
      used += n;
      if (status === 'online') free += Math.max(0, m.slots - n);
    }
    for (const status of MACHINE_STATUSES) machinesByStatus.set({ status }, byStatus.get(status) ?? 0);
    slots.set({ state: 'used' }, used);
    slots.set({ state: 'free' }, free);

    const slugs = new Map(
      (await deps.db.select({ id: projects.id, slug: projects.slug }).from(projects)).map((p) => [p.id, p.slug]),
    );
    queue.reset();
    const depths = new Map((await queueDepths(deps)).map((d) => [d.projectId, d.n]));
    for (const [id, slug] of slugs) queue.set({ project: slug }, depths.get(id) ?? 0);
    cost.reset();
    const costs = await deps.db
      .select({ projectId: runs.projectId, usd: sql<string>`coalesce(sum(${runs.costUsd}), 0)::text` })
      .from(runs)
      .groupBy(runs.projectId);
    for (const c of costs) {
      const slug = c.projectId ? slugs.get(c.projectId) : undefined;
      if (slug) cost.set({ project: slug }, Number(c.usd));
    }

    await poolFigures(database, sources.applicationName, poolMax, pool);
  };
}

async function poolFigures(
  database: Database,
  applicationName: string | undefined,
  poolMax: Gauge,
  pool: Gauge,
): Promise<void> {
  if (database.target.kind === 'pglite') {
    // One in-process connection.
    poolMax.set(1);
    pool.set({ state: 'open' }, 1);
    return;
  }
  poolMax.set(database.target.maxConnections ?? 10);
  if (!applicationName) return;
  const result = await database.db.execute(sql`
    select count(*)::int as open, (count(*) filter (where state <> 'idle'))::int as busy
    from pg_stat_activity where application_name = ${applicationName} and pid <> pg_backend_pid()`);
  const [row] = resultRows<{ open: number; busy: number }>(result);
  // The scrape's own connection is busy too: count it in.
  pool.set({ state: 'open' }, (row?.open ?? 0) + 1);
  pool.set({ state: 'busy' }, (row?.busy ?? 0) + 1);
}
