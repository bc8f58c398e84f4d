/**
 * The daemon side of a run's state machine, as plain functions over Deps (the hub calls them
 * for frames; the orchestrator will call `offerRun` for agent runs):
 *
 *   queued ─offer─▶ offered ─accept─▶ preparing ─started─▶ running ─finished─▶ succeeded|failed|canceled|timed_out
 *                      │ no accept in 10 s / reject → queued          machine lost → lost
 *
 * Fencing: every daemon message names the run's `leaseEpoch`; `offerRun` bumps it, and a message
 * with another epoch (or from another machine) is refused with `stale_lease`.
 * Events: stored by ingest.ts (many batches per transaction; a resent batch stores nothing twice
 * and `acked_seq` is the highest contiguous seq stored, so a gap is never acked).
 */
import { and, asc, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  TERMINAL_RUN_STATES,
  runSpecSchema,
  type ControlFrame,
  type RunSpec,
  type RunState,
  type SequencedRunEvent,
} from '@openase/shared';
import { runs, type workflowVersions } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import type { RunChange } from '../kernel/change-bus.js';
import { lockRun, transition, type Run } from './runs.js';
import { fenceRefusal, storeEventBatches } from './ingest.js';
import { RunRefusal } from './refusal.js';
import { inSpan } from '../kernel/tracing.js';

export { RunRefusal };

export const OFFER_TIMEOUT_MS = 10_000;

type Fenced = { machineId: string; runId: string; leaseEpoch: number };

async function fenced(tx: Tx, msg: Fenced): Promise<Run> {
  const run = await lockRun(tx, msg.runId);
  const refusal = fenceRefusal(run, msg);
  if (refusal) throw refusal;
  return run!;
}

async function publish<T extends Run | null>(deps: Deps, work: (tx: Tx) => Promise<T>): Promise<T> {
  const run = await deps.db.transaction(work);
  if (run) deps.bus.publishRun({ runId: run.id, ackedSeq: run.ackedSeq, state: run.state });
  return run;
}

/**
 * Turns a stored spec into the one sent in the offer, inside the offering transaction: agent runs
 * add what is never stored (secret env values, a fresh run token); see orchestrator/job-spec.ts.
 * `known`: rows the caller has read in this transaction (the claim's workflow version and the
 * project's statuses), so the offer costs one round trip instead of three.
 */
export type SpecMaterializer = (tx: Tx, run: OfferableRun, known?: KnownOfferRows) => Promise<RunSpec>;
/** What an offer reads of its run: a stored row, or the claim's run before its INSERT has answered. */
export type OfferableRun = Pick<
  Run,
  | 'id'
  | 'state'
  | 'machineId'
  | 'ticketId'
  | 'kind'
  | 'leaseEpoch'
  | 'spec'
  | 'agentId'
  | 'projectId'
  | 'workflowVersionId'
  | 'conversationId'
>;
export interface KnownOfferRows {
  version: typeof workflowVersions.$inferSelect;
  /** The project's statuses, which the run token's grant names; read when absent. */
  statuses?: ReadonlyArray<{ id: string; name: string }>;
}

/** Offers a queued run to its machine: bumps the lease epoch. Returns the frame to send, or null if not offerable. */
export async function offerRun(
  deps: Deps,
  runId: string,
  offerTimeoutMs = OFFER_TIMEOUT_MS,
  materialize?: SpecMaterializer,
): Promise<ControlFrame | null> {
  let frame: ControlFrame | null = null;
  const run = await publish(deps, async (tx) => {
    const run = await lockRun(tx, runId);
    if (!run) return null;
    const offered = await offerInTx(tx, deps, run, offerTimeoutMs, materialize);
    frame = offered?.frame ?? null;
    return offered?.run ?? null;
  });
  if (run) observeOffer(deps, run);
  return frame;
}

/**
 * The offer inside a transaction that holds the run (locked, or inserted by it): the caller sends the frame after
 * commit. An offer that never reaches the daemon expires with its lease and the run is queued again.
 */
export async function offerInTx(
  tx: Tx,
  deps: Deps,
  run: OfferableRun,
  offerTimeoutMs = OFFER_TIMEOUT_MS,
  materialize?: SpecMaterializer,
  known?: KnownOfferRows,
): Promise<{ run: Run; frame: ControlFrame } | null> {
  if (run.state !== 'queued' || !run.machineId) return null;
  const attributes = {
    'openase.run': run.id,
    'openase.ticket_id': run.ticketId ?? undefined,
    'openase.machine_id': run.machineId,
  };
  return inSpan('dispatch.offer', attributes, () => offerQueued(tx, deps, run, offerTimeoutMs, materialize, known));
}

async function offerQueued(
  tx: Tx,
  deps: Deps,
  run: OfferableRun,
  offerTimeoutMs: number,
  materialize?: SpecMaterializer,
  known?: KnownOfferRows,
): Promise<{ run: Run; frame: ControlFrame }> {
  const deadline = new Date(deps.clock.now().getTime() + offerTimeoutMs);
  // Issued together: the spec's statements and the transition share round trips on PostgreSQL.
  const [spec, offered] = await Promise.all([
    run.kind === 'agent' && materialize ? materialize(tx, run, known) : runSpecSchema.parse(run.spec),
    transition(tx, deps, run, 'offered', `offered with lease epoch ${run.leaseEpoch + 1}`, {
      leaseEpoch: run.leaseEpoch + 1,
      leaseExpiresAt: deadline,
    }),
  ]);
  return { run: offered, frame: { type: 'run.offer', runId: offered.id, leaseEpoch: offered.leaseEpoch, spec } };
}

/** The first offer: how long the run waited, queued, for its machine (a re-offer is not a dispatch). */
export function observeOffer(deps: Pick<Deps, 'clock' | 'metrics'>, run: Run): void {
  if (run.leaseEpoch === 1)
    deps.metrics.dispatchLatency.observe(
      { stage: 'offer' },
      Math.max(0, deps.clock.now().getTime() - run.createdAt.getTime()) / 1000,
    );
}

export async function acceptRun(deps: Deps, msg: Fenced): Promise<Run> {
  return publish(deps, async (tx) => {
    const run = await fenced(tx, msg);
    if (run.state !== 'offered') return run; // a repeated accept
    return transition(tx, deps, run, 'preparing', 'accepted by the daemon', { leaseExpiresAt: null });
  });
}

export async function markStarted(deps: Deps, msg: Fenced): Promise<Run> {
  return publish(deps, async (tx) => {
    const run = await fenced(tx, msg);
    if (run.state !== 'preparing' && run.state !== 'offered') return run;
    return transition(tx, deps, run, 'running', 'the process started', {
      startedAt: deps.clock.now(),
      leaseExpiresAt: null,
    });
  });
}

/**
 * A refused offer goes back to the queue for its machine, unless the machine can never run it
 * (`command_not_found`): then the run fails with that reason, and placement skips the machine
 * while its heartbeats report the command missing (orchestrator/gates.ts).
 */
export async function rejectRun(
  deps: Deps,
  msg: Fenced & { reason: string; code?: 'command_not_found' },
): Promise<Run> {
  return publish(deps, async (tx) => {
    const run = await fenced(tx, msg);
    if (run.state !== 'offered') return run;
    if (run.cancelRequestedAt)
      return transition(tx, deps, run, 'canceled', 'canceled while offered', { finishedAt: deps.clock.now() });
    if (msg.code === 'command_not_found')
      return transition(tx, deps, run, 'failed', msg.reason, { finishedAt: deps.clock.now(), leaseExpiresAt: null });
    return transition(tx, deps, run, 'queued', `rejected by the daemon: ${msg.reason}`, { leaseExpiresAt: null });
  });
}

/**
 * Stores one batch on its own (the hub batches through `EventIngestQueue`): idempotent, and the
 * run's new acked seq is the highest contiguous one stored. Refusals are thrown.
 */
export async function ingestEvents(deps: Deps, msg: Fenced & { events: SequencedRunEvent[] }): Promise<RunChange> {
  const { results, changes, stored, fresh } = await storeEventBatches(deps, [msg]);
  deps.metrics.eventsIngested.inc(stored);
  const result = results[0]!;
  if (!result.ok) throw result.refusal;
  for (const change of changes) deps.bus.publishRun(change, fresh.get(change.runId));
  return result.change;
}

/** A run the daemon ended at its deadline: the run's reason (the outcome names the harness limit). */
export const RAN_TOO_LONG = 'ran longer than its time limit';

/** Reason codes a daemon reports at the end of a run, in words. */
const FINISH_REASON_WORDS: Record<string, string> = {
  daemon_restarted: 'the daemon on this machine restarted while the agent was working',
  timeout: RAN_TOO_LONG,
};

export interface FinishMessage extends Fenced {
  lastSeq: number;
  exitCode: number | null;
  signal: string | null;
  reason?: string;
}

/** Ends a run once every event up to `lastSeq` is stored; a repeated finish is a no-op. */
export async function finishRun(deps: Deps, msg: FinishMessage): Promise<Run> {
  return publish(deps, async (tx) => {
    const run = await fenced(tx, msg);
    if (TERMINAL_RUN_STATES.has(run.state)) return run;
    if (run.ackedSeq < msg.lastSeq)
      throw new RunRefusal(
        'events_missing',
        `run ${run.id}: events up to ${msg.lastSeq} must be stored before it finishes (stored up to ${run.ackedSeq})`,
      );
    // Said for a person: no "exit code unknown" when there is none, no daemon reason codes. An agent run's exit code is
    // the daemon's verdict (0 or 1), not a process's: "bot.sh exited with code 3: …: exit code 1" contradicted itself.
    const processCode = run.kind === 'agent' ? null : msg.exitCode;
    const how = msg.signal ? `killed by ${msg.signal}` : processCode != null ? `exit code ${processCode}` : null;
    const said = msg.reason ? (FINISH_REASON_WORDS[msg.reason] ?? msg.reason) : undefined;
    let to: RunState;
    if (run.cancelRequestedAt) to = run.stopAs ?? 'canceled';
    else if (msg.reason === 'timeout') to = 'timed_out';
    else to = msg.exitCode === 0 ? 'succeeded' : 'failed';
    // A stop the platform decided keeps its reason (timeout, stall, budget, move).
    const reason =
      run.cancelRequestedAt && run.stopAs && run.stateReason
        ? how
          ? `${run.stateReason} (${how})`
          : run.stateReason
        : [said, how].filter(Boolean).join(': ') ||
          (run.kind === 'agent'
            ? to === 'succeeded'
              ? 'finished'
              : 'the agent stopped without saying why'
            : 'the command stopped without an exit code');
    return transition(tx, deps, run, to, reason, {
      exitCode: msg.exitCode,
      signal: msg.signal,
      finishedAt: deps.clock.now(),
      leaseExpiresAt: null,
    });
  });
}

/** Offers not accepted in time go back to the queue (and are offered again). */
export async function withdrawExpiredOffers(deps: Deps): Promise<string[]> {
  const expired = await deps.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.state, 'offered'), isNotNull(runs.leaseExpiresAt), lt(runs.leaseExpiresAt, deps.clock.now())));
  const withdrawn: string[] = [];
  for (const { id } of expired) {
    const run = await publish(deps, async (tx) => {
      const run = await lockRun(tx, id);
      if (!run || run.state !== 'offered' || !run.leaseExpiresAt || run.leaseExpiresAt >= deps.clock.now()) return null;
      if (run.cancelRequestedAt)
        return transition(tx, deps, run, 'canceled', 'canceled while offered (the offer was never accepted)', {
          leaseExpiresAt: null,
          finishedAt: deps.clock.now(),
        });
      return transition(tx, deps, run, 'queued', 'offer withdrawn: not accepted in time', { leaseExpiresAt: null });
    });
    if (run) withdrawn.push(run.id);
  }
  return withdrawn;
}

/**
 * A machine declared lost takes its active runs with it. Queued runs stay for when it returns,
 * unless it was revoked (it never returns), and except a Project AI conversation's (it queued
 * there only because every machine was full): it ends, so the conversation no longer says it
 * waits, and the next message places it anew.
 */
export async function failRunsOfLostMachine(
  deps: Deps,
  machineId: string,
  why: string,
  opts: { revoked?: boolean } = {},
): Promise<number> {
  const active = await activeRunsOn(deps, machineId);
  let count = 0;
  for (const { id } of active) {
    const run = await publish(deps, async (tx) => {
      const run = await lockRun(tx, id);
      if (!run || run.machineId !== machineId || !ACTIVE_RUN_STATES.includes(run.state)) return null;
      // A revoked machine never comes back: its queued runs end too, so their tickets move on.
      if (run.state === 'queued' && !run.conversationId && !opts.revoked) return null;
      return transition(tx, deps, run, 'lost', why, { finishedAt: deps.clock.now() });
    });
    if (run) count++;
  }
  return count;
}

/** A machine's active runs, oldest first: what fencing and slot counting need, not the job specs. */
export async function activeRunsOn(
  deps: Pick<Deps, 'db'>,
  machineId: string,
): Promise<Array<Pick<Run, 'id' | 'state' | 'leaseEpoch' | 'cancelRequestedAt'>>> {
  return deps.db
    .select({ id: runs.id, state: runs.state, leaseEpoch: runs.leaseEpoch, cancelRequestedAt: runs.cancelRequestedAt })
    .from(runs)
    .where(and(eq(runs.machineId, machineId), inArray(runs.state, [...ACTIVE_RUN_STATES])))
    .orderBy(asc(runs.createdAt));
}

export interface HeldRun {
  runId: string;
  leaseEpoch: number;
  lastSeq: number;
  finished?: boolean;
}

/**
 * What a (re)connecting daemon should do with each run it still holds: continue (our lease, not
 * finished here; resend after `ackedSeq`) or kill. A finished run the CP already closed gets
 * `continue` with its acked seq, and the daemon's repeated finish is answered with `closed`.
 */
export async function reconcileHeldRuns(deps: Deps, machineId: string, held: HeldRun[]) {
  const result: Array<{ runId: string; action: 'continue' | 'kill'; ackedSeq: number }> = [];
  for (const h of held) {
    const [run] = await deps.db.select().from(runs).where(eq(runs.id, h.runId));
    const ours = run && run.machineId === machineId && run.leaseEpoch === h.leaseEpoch;
    if (!ours) result.push({ runId: h.runId, action: 'kill', ackedSeq: 0 });
    else
      result.push({
        runId: h.runId,
        action: TERMINAL_RUN_STATES.has(run.state) && !h.finished ? 'kill' : 'continue',
        ackedSeq: run.ackedSeq,
      });
  }
  return result;
}

/**
 * Active runs of this machine the daemon did not report: an offer it never saw goes back to the
 * queue; a run it should be running but lost (e.g. its files were wiped) fails with the reason.
 */
export async function settleUnreportedRuns(deps: Deps, machineId: string, held: HeldRun[]): Promise<void> {
  const heldIds = new Set(held.map((h) => h.runId));
  for (const active of await activeRunsOn(deps, machineId)) {
    if (heldIds.has(active.id) || active.state === 'queued') continue;
    await publish(deps, async (tx) => {
      const run = await lockRun(tx, active.id);
      if (!run || run.state !== active.state || run.leaseEpoch !== active.leaseEpoch) return null;
      if (run.state === 'offered' && run.cancelRequestedAt)
        return transition(tx, deps, run, 'canceled', 'canceled while offered (the daemon never took it)', {
          leaseExpiresAt: null,
          finishedAt: deps.clock.now(),
        });
      if (run.state === 'offered')
        return transition(tx, deps, run, 'queued', 'the daemon reconnected without the offer; offering again', {
          leaseExpiresAt: null,
        });
      return transition(
        tx,
        deps,
        run,
        'failed',
        'the daemon reconnected without this run (its state was lost on the machine)',
        { finishedAt: deps.clock.now() },
      );
    });
  }
}
