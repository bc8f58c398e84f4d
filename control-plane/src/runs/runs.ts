/**
 * Runs as users see them: start a plain command on a machine by hand, show, list, read events,
 * cancel. The daemon side of the state machine (offer, accept, events, finish) is in
 * lifecycle.ts; both record every state change in `run_transitions` through `transition`.
 */
import { and, asc, between, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  badRequest,
  conflict,
  decodeCursor,
  pageFrom,
  type Page,
  notFound,
  runEventsInput,
  runListInput,
  runStartInput,
  TERMINAL_RUN_STATES,
  type RunNextFrame,
  type RunSpec,
  type RunStartInput,
  type RunState,
  type SequencedRunEvent,
} from '@openase/shared';
import type { z } from 'zod';
import { machines, runEvents, runs, runTransitions, tickets } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity, type ActivityEntry } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { requireExec, requireRole, roleInProject } from '../auth/permissions.js';
import { waitingApprovals } from './waiting-approvals.js';

export type Run = typeof runs.$inferSelect;

/** Moves a run to `to`, recording why; `patch` sets other columns in the same update. */
export async function transition(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  run: Pick<Run, 'id' | 'state'>,
  to: RunState,
  reason: string,
  patch: Partial<Run> = {},
): Promise<Run> {
  const now = deps.clock.now();
  // Both statements at once: one round trip on PostgreSQL, run in this order.
  const [[updated]] = await Promise.all([
    tx
      .update(runs)
      .set({ ...patch, state: to, stateReason: reason, updatedAt: now })
      .where(eq(runs.id, run.id))
      .returning(),
    tx.insert(runTransitions).values({ runId: run.id, fromState: run.state, toState: to, reason, at: now }),
  ]);
  return updated!;
}

/**
 * Inserts a run in state `queued`, created `now`, with its first transition; `reason` (by default the run's
 * state reason) says why in the transition.
 */
export async function insertQueuedRun(
  tx: Tx,
  now: Date,
  values: Omit<typeof runs.$inferInsert, 'state' | 'createdAt' | 'updatedAt'> & { id: string; stateReason: string },
  reason = values.stateReason,
): Promise<Run> {
  // Both statements at once: one round trip on PostgreSQL, run in this order.
  const [[run]] = await Promise.all([
    tx
      .insert(runs)
      .values({ ...values, state: 'queued', createdAt: now, updatedAt: now })
      .returning(),
    tx.insert(runTransitions).values({ runId: values.id, fromState: null, toState: 'queued', reason, at: now }),
  ]);
  return run!;
}

/**
 * The `run.dispatched` entry of a run placed on a machine: once it commits, the replica holding the machine's
 * socket offers the run. `after` adds what the dispatcher knows (agent, workflow, conversation …).
 */
export function recordDispatched(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  run: { projectId: string; ticketId?: string; id: string; reason: string; machine: { id: string; name: string } },
  after: Record<string, unknown>,
): Promise<ActivityEntry> {
  return recordActivity(tx, deps, changes, actor, {
    projectId: run.projectId,
    ticketId: run.ticketId ?? null,
    action: 'run.dispatched',
    entityType: 'run',
    entityId: run.id,
    summary: run.reason,
    after: { run: run.id, machine: run.machine.name, machineId: run.machine.id, ...after },
  });
}

/** The answer to a run's `run.turn`: what the daemon does next. */
export const nextFrame = (
  run: Run,
  turn: number,
  action: RunNextFrame['action'],
  extra: Partial<RunNextFrame> = {},
): RunNextFrame => ({ type: 'run.next', runId: run.id, leaseEpoch: run.leaseEpoch, turn, action, ...extra });

export async function lockRun(tx: Tx, runId: string): Promise<Run | undefined> {
  const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
  return run;
}

const runNotFound = (runId: string) => notFound(`run ${runId} does not exist; \`openase run list\` shows recent runs`);

const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/**
 * The one run of the organization `ref` names: its id, or the first characters of it (a range on the primary key,
 * so a prefix costs what an id does). Refused when no run or more than one starts so.
 */
async function findRun(db: DbOrTx, orgId: string, ref: string): Promise<Run | undefined> {
  const hex = ref.toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{1,32}$/.test(hex)) return undefined;
  const id =
    hex.length === 32
      ? eq(runs.id, uuidOf(hex))
      : between(runs.id, uuidOf(hex.padEnd(32, '0')), uuidOf(hex.padEnd(32, 'f')));
  const found = await db
    .select()
    .from(runs)
    .where(and(eq(runs.orgId, orgId), id))
    .limit(2);
  if (found.length > 1) throw badRequest(`run id prefix ${ref} is ambiguous; give more characters`);
  return found[0];
}

export async function getRun(db: DbOrTx, orgId: string, runId: string): Promise<Run> {
  const run = await findRun(db, orgId, runId);
  if (!run) throw runNotFound(runId);
  return run;
}

/**
 * The run, for a member of its project (`what` names the action in the refusal). The role is checked before
 * "does not exist", so a person below member learns nothing about which runs exist.
 */
export async function getRunForMember(deps: Deps, actor: Actor, runId: string, what: string): Promise<Run> {
  const found = await findRun(deps.db, actor.orgId, runId).catch((err: unknown) => {
    requireRole(actor, 'member', what);
    throw err;
  });
  requireRole(
    actor,
    'member',
    what,
    found?.projectId ? await roleInProject(deps.db, actor, found.projectId) : actor.role,
  );
  if (!found) throw runNotFound(runId);
  return found;
}

/** Creates a queued command run pinned to a machine; the hub offers it when the machine has a free slot. */
export async function startCommandRun(deps: Deps, actor: Actor, raw: RunStartInput): Promise<Run> {
  // A plain command is code run on a machine: the admin role and, for a token, `runs.exec`.
  requireExec(actor, 'runs.exec', 'start commands on machines');
  const input = runStartInput.parse(raw);
  return inTransaction(deps, async (tx, changes) => {
    const [machine] = await tx
      .select()
      .from(machines)
      .where(and(eq(machines.orgId, actor.orgId), eq(machines.name, input.machine)));
    if (!machine) throw notFound(`machine "${input.machine}" does not exist; \`openase machine list\` shows the fleet`);
    if (machine.revokedAt) throw conflict(`machine "${input.machine}" has been revoked and takes no runs`);
    const spec: RunSpec = {
      kind: 'command',
      command: input.command,
      ...(input.cwd ? { cwd: input.cwd } : {}),
      ...(input.env ? { env: input.env } : {}),
      ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
    };
    const now = deps.clock.now();
    const run = await insertQueuedRun(
      tx,
      now,
      {
        id: deps.ids.uuid(),
        orgId: actor.orgId,
        machineId: machine.id,
        kind: 'command',
        spec,
        stateReason: 'started by hand',
        createdBy: actor.name,
      },
      `started by ${actor.name}`,
    );
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'run.started',
      entityType: 'run',
      entityId: run.id,
      summary: `started a command run on ${machine.name}: ${input.command.join(' ').slice(0, 200)}`,
      // machineId: the replica holding the machine's socket offers it (orchestrator onActivity).
      after: { machine: machine.name, machineId: machine.id, command: input.command },
    });
    return run;
  });
}

/**
 * Asks for a run to stop. A queued run ends at once; an offered or running one is marked and
 * the caller sends `run.cancel` to its machine (repeated on reconnect until the run ends).
 */
export async function requestCancel(deps: Deps, actor: Actor, runId: string): Promise<Run> {
  // A member of the run's project (its project role, else the organization's), asked before anything is looked up.
  const found = await getRunForMember(deps, actor, runId, 'cancel runs');
  return inTransaction(deps, async (tx, changes) => {
    const run = (await lockRun(tx, found.id))!;
    if (TERMINAL_RUN_STATES.has(run.state)) throw conflict(`run ${run.id} already ended (${run.state})`);
    const now = deps.clock.now();
    const updated =
      run.state === 'queued'
        ? await transition(tx, deps, run, 'canceled', `canceled by ${actor.name} before it was offered`, {
            cancelRequestedAt: now,
            finishedAt: now,
          })
        : (
            await tx
              .update(runs)
              .set({
                cancelRequestedAt: run.cancelRequestedAt ?? now,
                stateReason: `cancel requested by ${actor.name}`,
                updatedAt: now,
              })
              .where(eq(runs.id, run.id))
              .returning()
          )[0]!;
    // In its project and on its ticket: who stopped a ticket's run shows in the ticket's activity.
    await recordActivity(tx, deps, changes, actor, {
      projectId: run.projectId,
      ticketId: run.ticketId,
      action: 'run.cancel_requested',
      entityType: 'run',
      entityId: run.id,
      summary: `asked run ${run.id} to stop`,
      before: { state: run.state },
    });
    return updated;
  });
}

/** Runs, newest first, one page at a time. */
export async function listRuns(
  db: DbOrTx,
  orgId: string,
  raw: z.input<typeof runListInput> = {},
): Promise<Page<Run & { machineName: string | null; ticketIdentifier: string | null; waitingApprovals: number }>> {
  const input = runListInput.parse(raw);
  const conditions = [eq(runs.orgId, orgId)];
  if (input.machine) conditions.push(eq(machines.name, input.machine));
  if (input.projectId) conditions.push(eq(runs.projectId, input.projectId));
  if (input.active) conditions.push(inArray(runs.state, [...ACTIVE_RUN_STATES]));
  // Ordered by the millisecond the run was created (what the cursor can carry), then its id; in UTC, the expression of
  // the index runs_org_created (date_trunc of a timestamptz depends on the session's time zone, so no index has it).
  const createdMs = sql`date_trunc('milliseconds', ${runs.createdAt} at time zone 'UTC')`;
  if (input.cursor) {
    const after = decodeCursor(input.cursor, ['int', 'uuid'] as const);
    if (!after) throw badRequest('this cursor is not one of a run list; pass nextCursor as it was given');
    conditions.push(
      sql`(${createdMs}, ${runs.id}) < (${new Date(after[0]).toISOString()}::timestamptz at time zone 'UTC', ${after[1]}::uuid)`,
    );
  }
  const rows = await db
    .select({ run: runs, machineName: machines.name, ticketIdentifier: tickets.identifier })
    .from(runs)
    .leftJoin(machines, eq(machines.id, runs.machineId))
    .leftJoin(tickets, eq(tickets.id, runs.ticketId))
    .where(and(...conditions))
    .orderBy(desc(createdMs), desc(runs.id))
    .limit(input.limit + 1);
  const page = pageFrom(rows, input.limit, (r) => [r.run.createdAt.getTime(), r.run.id]);
  // The board's "Needs approval" badge: tool calls of these runs waiting for a person.
  const waiting = await waitingApprovals(db, { runIds: page.items.map((r) => r.run.id) });
  return {
    items: page.items.map((r) => ({
      ...r.run,
      machineName: r.machineName,
      ticketIdentifier: r.ticketIdentifier,
      waitingApprovals: waiting.filter((a) => a.runId === r.run.id).length,
    })),
    nextCursor: page.nextCursor,
  };
}

export async function runDetail(db: DbOrTx, orgId: string, runId: string) {
  const run = await getRun(db, orgId, runId);
  const transitions = await db
    .select()
    .from(runTransitions)
    .where(eq(runTransitions.runId, run.id))
    .orderBy(asc(runTransitions.id));
  const [machine] = run.machineId
    ? await db.select({ name: machines.name }).from(machines).where(eq(machines.id, run.machineId))
    : [];
  return { ...run, machineName: machine?.name ?? null, transitions };
}

/** Stored events after `afterSeq` (or the newest below `beforeSeq`), in order: pages of a transcript. */
export async function listRunEvents(
  db: DbOrTx,
  orgId: string,
  raw: z.input<typeof runEventsInput>,
): Promise<SequencedRunEvent[]> {
  const input = runEventsInput.parse(raw);
  const run = await getRun(db, orgId, input.run);
  return readRunEvents(db, { ...input, run: run.id });
}

/** The page query of `listRunEvents`, for a caller that has already read the run (its org checked). */
export async function readRunEvents(db: DbOrTx, input: z.output<typeof runEventsInput>): Promise<SequencedRunEvent[]> {
  const backwards = input.beforeSeq !== undefined;
  const rows = await db
    .select()
    .from(runEvents)
    .where(
      and(
        eq(runEvents.runId, input.run),
        gt(runEvents.seq, input.afterSeq),
        backwards ? lt(runEvents.seq, input.beforeSeq!) : undefined,
      ),
    )
    .orderBy(backwards ? desc(runEvents.seq) : asc(runEvents.seq))
    .limit(input.limit);
  if (backwards) rows.reverse();
  return rows.map((r) => ({ seq: r.seq, ts: r.ts.getTime(), event: r.payload as SequencedRunEvent['event'] }));
}
