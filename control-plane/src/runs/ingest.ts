/**
 * Storing run events: many `run.events` batches, of many runs, in one transaction.
 *
 * A transaction costs the same few round trips whatever it carries (lock the runs, one INSERT
 * of every row, one UPDATE of every run), so `EventIngestQueue` (ingest-queue.ts) hands this
 * everything that queued up while its previous transactions were in flight: batches grow with
 * the load instead of the per-batch cost capping it.
 *
 * Per batch, the rules are those of one batch alone:
 * - fencing: a batch from another machine or with a stale lease epoch is refused, with a
 *   `RunRefusal` for that batch only;
 * - idempotence: rows go in with ON CONFLICT DO NOTHING, so a resent batch stores nothing twice,
 *   and only the rows really inserted are counted for usage and cost (accounting.ts);
 * - the ack: `acked_seq` is the highest seq stored with every lower seq present. While nothing is
 *   stored above the ack (`stored_seq <= acked_seq`, the normal case), it follows from the batch
 *   itself; after a gap the stored seqs are read back.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { RunEvent, SequencedRunEvent } from '@openase/shared';
import { runEvents, runs } from '../db/schema.js';
import { resultRows, type Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import type { RunChange } from '../kernel/change-bus.js';
import { ACCOUNTED_TYPES, accountEvents } from './accounting.js';
import { RunRefusal } from './refusal.js';
import { inSpan } from '../kernel/tracing.js';
import { transition, type Run } from './runs.js';

export interface EventBatch {
  machineId: string;
  runId: string;
  leaseEpoch: number;
  events: SequencedRunEvent[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type IngestResult = { ok: true; change: RunChange } | { ok: false; refusal: RunRefusal };

/** Why a batch may not touch this run, or null when it may. */
export function fenceRefusal(
  run: Run | undefined,
  msg: { machineId: string; runId: string; leaseEpoch: number },
): RunRefusal | null {
  if (!run || run.machineId !== msg.machineId)
    return new RunRefusal('unknown_run', `run ${msg.runId} is not assigned to this machine`);
  if (run.leaseEpoch !== msg.leaseEpoch)
    return new RunRefusal(
      'stale_lease',
      `run ${msg.runId}: lease epoch ${msg.leaseEpoch} is stale (current ${run.leaseEpoch}); stop the run`,
    );
  return null;
}

/** Pure: the highest contiguous seq from `acked` through the sorted `seqs`. */
export function contiguousFrom(acked: number, sortedSeqs: Iterable<number>): number {
  for (const seq of sortedSeqs) {
    if (seq <= acked) continue;
    if (seq !== acked + 1) break;
    acked = seq;
  }
  return acked;
}

/** What one run receives from the batches of a transaction. */
interface RunIntake {
  run: Run;
  /** New events by seq (above the run's ack; a seq sent twice counts once). */
  events: Map<number, SequencedRunEvent>;
}

/**
 * What storing batches did: one result per batch, in order; the changes (one per run that moved) and, per run, the
 * events stored exactly as they arrived (`fresh`: absent for a run that got a resent event or mended text), both for
 * the bus to publish after the commit; how many rows were inserted.
 */
export interface StoredBatches {
  results: IngestResult[];
  changes: RunChange[];
  fresh: Map<string, SequencedRunEvent[]>;
  stored: number;
}

/** Stores the batches in one transaction (see `StoredBatches`). */
export async function storeEventBatches(
  deps: Pick<Deps, 'db' | 'clock'>,
  batches: readonly EventBatch[],
): Promise<StoredBatches> {
  const runIds = new Set(batches.map((b) => b.runId));
  const attributes = {
    'openase.batches': batches.length,
    'openase.events': batches.reduce((n, b) => n + b.events.length, 0),
    'openase.runs': runIds.size,
    'openase.run': runIds.size === 1 ? batches[0]!.runId : undefined,
  };
  // Tracing: one span per event-storing transaction (a group commit of daemon batches).
  return inSpan('ingest.batch', attributes, async (span) => {
    const stored = await storeInTransaction(deps, batches);
    span.set({ 'openase.stored': stored.stored });
    return stored;
  });
}

function storeInTransaction(deps: Pick<Deps, 'db' | 'clock'>, batches: readonly EventBatch[]): Promise<StoredBatches> {
  return deps.db.transaction(async (tx) => {
    const ids = [...new Set(batches.map((b) => b.runId).filter((id) => UUID.test(id)))].sort();
    // One lock statement, in id order, so two transactions over the same runs never deadlock.
    const locked = new Map(
      (await tx.select().from(runs).where(inArray(runs.id, ids)).orderBy(asc(runs.id)).for('update')).map((r) => [
        r.id,
        r,
      ]),
    );
    const intakes = new Map<string, RunIntake>();
    const refusals = batches.map((batch) => {
      const run = locked.get(batch.runId);
      const refusal = fenceRefusal(run, batch);
      if (refusal) return refusal;
      let intake = intakes.get(run!.id);
      if (!intake) intakes.set(run!.id, (intake = { run: run!, events: new Map() }));
      // A seq sent twice keeps its first copy: the one the live tail showed, and what a stored seq keeps on a resend.
      for (const e of batch.events) if (e.seq > run!.ackedSeq && !intake.events.has(e.seq)) intake.events.set(e.seq, e);
      return null;
    });
    const changes = new Map<string, RunChange>();
    const fresh = new Map<string, SequencedRunEvent[]>();
    const now = deps.clock.now();
    // Per run its new seqs and what they make of its ack: while nothing is stored above the ack, the ack follows from
    // the batch, and the run's UPDATE goes with the INSERT (one round trip); after a gap it is read back after it.
    const plans: Plan[] = [];
    for (const intake of intakes.values()) {
      const { run } = intake;
      if (intake.events.size === 0) {
        changes.set(run.id, { runId: run.id, ackedSeq: run.ackedSeq, state: run.state });
        continue;
      }
      const seqs = [...intake.events.keys()].sort((a, b) => a - b);
      const acked = run.storedSeq <= run.ackedSeq ? contiguousFrom(run.ackedSeq, seqs) : null;
      plans.push({ intake, seqs, stored: Math.max(run.storedSeq, seqs.at(-1)!), acked });
    }
    const early = plans.filter((p) => p.acked !== null && !starts(p.intake.run));
    const [{ rows: inserted, mended }] = await Promise.all([
      insertEvents(tx, intakes),
      updateRuns(
        tx,
        early.map((p) => ({ id: p.intake.run.id, acked: p.acked!, stored: p.stored })),
        now,
      ),
    ]);
    const late: RunUpdate[] = [];
    for (const { intake, seqs, stored, acked: fromBatch } of plans) {
      const { run } = intake;
      const rows = inserted.get(run.id);
      const accounted = (rows?.accounted ?? []).map((seq) => intake.events.get(seq)!.event);
      await accountEvents(tx, run, accounted);
      // Every event new (none was stored before) and stored as sent: the run's streams may yield them as they are.
      if (rows?.count === seqs.length && !mended)
        fresh.set(
          run.id,
          seqs.map((seq) => intake.events.get(seq)!),
        );
      const acked = fromBatch ?? (await ackFromStored(tx, run, stored));
      const costed = accounted.some(carriesCost);
      if (starts(run)) {
        // The daemon's `run.started` may trail its first events: events mean it runs.
        const moved = await transition(tx, deps, run, 'running', 'the agent started working', {
          ackedSeq: acked,
          storedSeq: stored,
          lastEventAt: now,
          startedAt: run.startedAt ?? now,
        });
        changes.set(run.id, {
          runId: run.id,
          ackedSeq: moved.ackedSeq,
          state: moved.state,
          ...(costed ? { costed } : {}),
        });
        continue;
      }
      if (fromBatch === null) late.push({ id: run.id, acked, stored });
      changes.set(run.id, { runId: run.id, ackedSeq: acked, state: run.state, ...(costed ? { costed } : {}) });
    }
    await updateRuns(tx, late, now);
    const results: IngestResult[] = batches.map((batch, i) => {
      const refusal = refusals[i];
      return refusal ? { ok: false, refusal } : { ok: true, change: changes.get(batch.runId)! };
    });
    let stored = 0;
    for (const rows of inserted.values()) stored += rows.count;
    return { results, changes: [...changes.values()], stored, fresh };
  });
}

/** A run's part of a transaction: its new seqs in order, the highest stored, and its ack when the batch decides it. */
interface Plan {
  intake: RunIntake;
  seqs: number[];
  stored: number;
  acked: number | null;
}
interface RunUpdate {
  id: string;
  acked: number;
  stored: number;
}
/** Events of a run still being started move it to running (`transition`, with its record), not a plain update. */
const starts = (run: Run) => run.state === 'preparing' || run.state === 'offered';

/** One UPDATE of every run's ack, highest stored seq and last event time (none when there is nothing to update). */
async function updateRuns(tx: Tx, rows: RunUpdate[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    update ${runs} set acked_seq = v.acked, stored_seq = greatest(${runs.storedSeq}, v.stored), last_event_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as v(id uuid, acked integer, stored integer)
    where ${runs.id} = v.id`);
}

/**
 * What the INSERT did: per run, how many rows went in and the seqs of those `accountEvents` counts (the only rows it
 * has to know one by one); `mended`: some text had to be changed to be stored (`storableJson`).
 */
interface Inserted {
  rows: Map<string, { count: number; accounted: number[] }>;
  mended: boolean;
}

/** One INSERT for every new row of every run; returns what went in, per run. */
async function insertEvents(tx: Tx, intakes: Map<string, RunIntake>): Promise<Inserted> {
  // Per run its id once and its events as [seq, ts in ms, event]; the row's `type` is the event's own.
  const groups: Array<{ r: string; e: Array<[number, number, RunEvent]> }> = [];
  for (const { run, events } of intakes.values())
    if (events.size) groups.push({ r: run.id, e: [...events.values()].map((e) => [e.seq, e.ts, e.event]) });
  const rows: Inserted['rows'] = new Map();
  if (groups.length === 0) return { rows, mended: false };
  // The rows travel as one JSON text parameter: the statement parses and plans the same for ten
  // rows or five thousand, on PostgreSQL and PGlite alike (`::text` first: no driver-side JSON
  // or date serializers get involved). Grouped by run, the text is about a third smaller than a
  // record per row, and PostgreSQL takes the rows out of it in less than half the time (measured:
  // 50,000 rows, 160 against 385 ms; docs/performance.md). One row comes back per run, not per event.
  const json = JSON.stringify(groups);
  const text = storableJson(json);
  const result = await tx.execute(sql`
    with ins as (
      insert into ${runEvents} (run_id, seq, ts, type, payload)
      select g.r, (x.v->>0)::integer, to_timestamp((x.v->>1)::float8 / 1000), x.v->2->>'type', x.v->2
      from jsonb_to_recordset(${text}::text::jsonb) as g(r uuid, e jsonb),
        jsonb_array_elements(g.e) as x(v)
      on conflict do nothing
      returning run_id, seq, type)
    select run_id, count(*)::integer as n,
      coalesce(array_agg(seq) filter (where type in (${sql.join(
        ACCOUNTED_TYPES.map((t) => sql`${t}`),
        sql`, `,
      )})), '{}') as accounted
    from ins group by run_id`);
  for (const row of resultRows<{ run_id: string; n: number; accounted: number[] }>(result))
    rows.set(row.run_id, { count: Number(row.n), accounted: row.accounted.map(Number).sort((a, b) => a - b) });
  return { rows, mended: text !== json };
}

/** After a gap: the stored seqs above the ack decide how far it moves. */
async function ackFromStored(tx: Tx, run: Run, stored: number): Promise<number> {
  const rows = await tx
    .select({ seq: runEvents.seq })
    .from(runEvents)
    .where(and(eq(runEvents.runId, run.id), gt(runEvents.seq, run.ackedSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(stored - run.ackedSeq);
  return contiguousFrom(
    run.ackedSeq,
    rows.map((r) => r.seq),
  );
}

/**
 * What PostgreSQL's jsonb cannot hold, and an agent may print: U+0000 and lone UTF-16 surrogates.
 * Both are stored as U+FFFD rather than failing the batch on every resend. In JSON.stringify's
 * output both appear only as `\uXXXX` escapes (a valid surrogate pair is written as is); an
 * escape counts only after an even number of backslashes (`\\u0000` is a backslash, then text).
 */
export function storableJson(json: string): string {
  return UNSTORABLE_HINT.test(json) ? json.replace(UNSTORABLE, '$1\\ufffd') : json;
}
const UNSTORABLE_HINT = /\\u(?:0000|d[89a-f])/i;

/**
 * Whether JSON text as it arrived (a frame, text or UTF-8 bytes) may hold what `storableJson` mends: false means its
 * events are stored exactly as they are. A `\\` escape is stepped over, so `\\u0000` (a backslash, then text) does not
 * count; either way a false positive only costs a frame its live tail (runs/stream.ts).
 */
export function mayNeedMending(json: string | Uint8Array): boolean {
  const text = typeof json === 'string';
  const next = text ? (from: number) => json.indexOf('\\', from) : (from: number) => json.indexOf(0x5c, from);
  const at = text ? (i: number) => json.charCodeAt(i) : (i: number) => json[i]!;
  for (let i = next(0); i >= 0 && i + 5 < json.length; i = next(i + 2)) {
    if (at(i + 1) !== 0x75) continue; // not `\u`
    const a = at(i + 2) | 0x20; // ASCII lower case
    const b = at(i + 3) | 0x20;
    if (a === 0x64 && (b === 0x38 || b === 0x39 || (b >= 0x61 && b <= 0x66))) return true; // \ud8…\udf
    if (a === 0x30 && b === 0x30 && at(i + 4) === 0x30 && at(i + 5) === 0x30) return true; // \u0000
  }
  return false;
}
const UNSTORABLE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

function carriesCost(e: RunEvent): boolean {
  return e.type === 'usage' || e.type === 'cost';
}
