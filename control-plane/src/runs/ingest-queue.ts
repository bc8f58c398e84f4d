/**
 * Group commit for run events. Every session hands its `run.events` batches here and waits for
 * its own result (so a session's frames stay in order: its `run.finished` still follows the
 * storing of its events). Up to `lanes` transactions are in flight; whatever queued meanwhile,
 * from any session, goes into the next one (up to `maxEventsPerTransaction`). A write starts
 * `gatherMs` after a lane frees up (a few milliseconds), so even at moderate load a transaction
 * carries the batches of many runs: on PGlite, where every statement costs the control plane's
 * own CPU, a thousand one-event batches a second would otherwise be a thousand transactions.
 *
 * A run is in one transaction at a time: a batch whose run is being written waits for the next. Transactions in
 * flight at once then never wait on each other's run locks, and a run's batches are stored in the order they came
 * (a session does not wait for its stores before handing over the next: fleet/daemon-frames.ts).
 *
 * If a shared transaction fails (a database error, not a refusal: refusals are per batch), its
 * batches are written again one by one, so one bad batch cannot hold the others back.
 */
import type { Deps } from '../kernel/context.js';
import { storeEventBatches, type EventBatch, type IngestResult } from './ingest.js';

export interface IngestQueueOptions {
  /** Transactions in flight at once: 1 for PGlite (one connection), a few for PostgreSQL. */
  lanes?: number;
  maxEventsPerTransaction?: number;
  /** How long a free lane waits for more batches before writing (0: at once). */
  gatherMs?: number;
}

interface Waiting {
  batch: EventBatch;
  resolve(result: IngestResult): void;
  reject(err: unknown): void;
}

export class EventIngestQueue {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private waitingEvents = 0;
  /** Runs with a batch in a transaction in flight. */
  private readonly writing = new Set<string>();
  private gatherTimer: NodeJS.Timeout | null = null;
  private readonly lanes: number;
  private readonly maxEvents: number;
  private readonly gatherMs: number;
  /** Figures for logs and benchmarks: transactions written and batches they carried. */
  readonly stats = { transactions: 0, batches: 0, events: 0 };

  constructor(
    private readonly deps: Deps,
    opts: IngestQueueOptions = {},
  ) {
    this.lanes = Math.max(1, opts.lanes ?? 1);
    this.maxEvents = Math.max(1, opts.maxEventsPerTransaction ?? 5000);
    this.gatherMs = Math.max(0, opts.gatherMs ?? 5);
  }

  submit(batch: EventBatch): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.waitingEvents += batch.events.length;
      this.pump();
    });
  }

  private pump(): void {
    if (this.gatherTimer || this.waiting.length === 0 || this.inFlight >= this.lanes) return;
    if (this.gatherMs === 0 || this.waitingEvents >= this.maxEvents) return this.startWrites();
    this.gatherTimer = setTimeout(() => {
      this.gatherTimer = null;
      this.startWrites();
    }, this.gatherMs);
  }

  private startWrites(): void {
    while (this.inFlight < this.lanes && this.waiting.length) {
      const group = this.take();
      if (group.length === 0) return; // every waiting run is being written: the next to finish pumps again
      const runs = new Set(group.map((w) => w.batch.runId));
      for (const run of runs) this.writing.add(run);
      this.inFlight++;
      void this.write(group).finally(() => {
        for (const run of runs) this.writing.delete(run);
        this.inFlight--;
        this.pump();
      });
    }
  }

  /**
   * The oldest waiting batches of runs not being written, up to the event budget (at least one if any may go). A
   * run passed over once stays passed over in this group, so its batches keep their order.
   */
  private take(): Waiting[] {
    let events = 0;
    const budget = Math.min(
      this.maxEvents,
      Math.max(500, Math.ceil(this.waitingEvents / (this.lanes - this.inFlight))),
    );
    const taken: Waiting[] = [];
    const left: Waiting[] = [];
    const passed = new Set<string>();
    for (const w of this.waiting) {
      const { runId } = w.batch;
      const fits = taken.length === 0 || events + w.batch.events.length <= budget;
      if (!fits || passed.has(runId) || this.writing.has(runId)) {
        passed.add(runId);
        left.push(w);
        continue;
      }
      events += w.batch.events.length;
      taken.push(w);
    }
    this.waiting = left;
    this.waitingEvents -= events;
    return taken;
  }

  private async write(group: Waiting[]): Promise<void> {
    try {
      const { results, changes, stored, fresh } = await storeEventBatches(
        this.deps,
        group.map((w) => w.batch),
      );
      this.stats.transactions++;
      this.deps.metrics.eventsIngested.inc(stored);
      this.deps.metrics.ingestBatchSize.observe(group.reduce((n, w) => n + w.batch.events.length, 0));
      this.stats.batches += group.length;
      for (const w of group) this.stats.events += w.batch.events.length;
      for (const change of changes) this.deps.bus.publishRun(change, fresh.get(change.runId));
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      for (const w of group) await this.write([w]);
    }
  }
}
