/**
 * The instruments domain code records into (prom-client), one registry per server process. What
 * is read from the database at scrape time (runs by state, machines, slots, queues, cost, the
 * connection pool) is collected in server/metrics.ts; docs/operations.md lists every metric.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /**
   * Seconds until a ticket's run reaches a machine, in two stages: `claim` from the ticket becoming
   * eligible (entering its pickup status, or its retry coming due) to its run being queued, and
   * `offer` from the run being queued to `run.offer` being sent to its machine.
   */
  dispatchLatency: Histogram<'stage'>;
  /** Run events stored (each counted once, repeats from reconnecting daemons are not). */
  eventsIngested: Counter;
  /** Events per group-commit transaction (runs/ingest-queue.ts). */
  ingestBatchSize: Histogram;
  /** HTTP request durations by method, route pattern (or tRPC procedure) and status class. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    dispatchLatency: new Histogram({
      name: 'openase_dispatch_latency_seconds',
      help: 'Seconds from a ticket becoming eligible to its run being queued (stage=claim), and from queued to offered to a machine (stage=offer)',
      labelNames: ['stage'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    }),
    eventsIngested: new Counter({
      name: 'openase_events_ingested_total',
      help: 'Run events stored by this replica (rate() gives events ingested per second)',
      registers,
    }),
    ingestBatchSize: new Histogram({
      name: 'openase_ingest_batch_size',
      help: 'Events written per event-storing transaction (group commit of many daemon batches)',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'openase_http_request_duration_seconds',
      help: 'HTTP request duration by method, route (tRPC: the procedure) and status class',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
