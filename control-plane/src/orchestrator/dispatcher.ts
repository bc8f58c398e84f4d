/**
 * The claim: turn dispatchable tickets of a project into queued runs placed on machines, in one
 * transaction, safe with several control planes on one PostgreSQL (docs/orchestrator.md):
 *
 * 1. the project row is locked, so concurrency counts cannot be raced within the project;
 * 2. candidate tickets (in a pickup status of an active workflow, the override's when a ticket names one;
 *    not archived or parked; retry time reached; no active run) are locked with
 *    `FOR UPDATE SKIP LOCKED`, most urgent and oldest first;
 * 3. each is checked by the same pure gates `openase ticket why` explains with, placed
 *    (placement.ts), its machine row locked and its active runs re-counted with a fresh
 *    statement, then a `runs` row is inserted and the ticket's attempt counter bumped.
 *
 * On PostgreSQL its statements are issued in groups that each take one round trip (postgres.js pipelines
 * a connection's queries, run in the order issued): the lock, the candidates with their blockers and run
 * history, the project's facts and repositories; per run, the machine's lock and recount with the job's
 * reads; the writes with the offer, the last run's with the COMMIT. On this 2-core machine the claim is bound by
 * the CPU of building and encoding its statements more than by their round trips (docs/performance.md).
 *
 * A run placed on a machine whose socket this replica holds is offered in the same transaction
 * (`offerHere`): the offer leaves at commit, one transaction sooner. Any other run is offered after
 * commit by the replica holding its machine (the hub, on the `run.dispatched` event).
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, PRIORITIES } from '@openase/shared';
import { machines, projects, runs, tickets, workflows, workflowVersions } from '../db/schema.js';
import type { KnownProjectRows } from '../workflows/render.js';
import type { Actor, Deps } from '../kernel/context.js';
import { commitWith, inTransaction } from '../kernel/transaction.js';
import { inSpan, recordSpan } from '../kernel/tracing.js';
import { blockerOpen } from '../kernel/lookups.js';
import { diagnosePickup } from './gates.js';
import { chooseMachine } from './placement.js';
import { assembleFacts, countClaim, pickupFactsFor, readProjectRows } from './project-facts.js';
import { listRepositories } from '../projects/repositories.js';
import { buildAgentJob } from './job-spec.js';
import { observeOffer, offerInTx, type SpecMaterializer } from '../runs/lifecycle.js';
import { insertQueuedRun, recordDispatched, type Run } from '../runs/runs.js';

/** Offering in the claim: for machines whose socket this replica holds. */
export interface OfferHere {
  holds(machineId: string): boolean;
  offerTimeoutMs: number;
  materialize: SpecMaterializer;
}

export interface ClaimedRun {
  runId: string;
  machineId: string;
  ticketId: string;
  identifier: string;
}

/** Most candidates looked at in one pass of one project. */
const CANDIDATE_LIMIT = 200;

const priorityRank = sql.raw(
  `case ${PRIORITIES.map((p, i) => `when ${'"tickets"."priority"'} = '${p}' then ${i}`).join(' ')} else ${PRIORITIES.length} end`,
);

/** Projects that may have something to dispatch: a cheap pre-filter for a pass over everything. */
export async function projectsWithCandidates(deps: Pick<Deps, 'db' | 'clock'>): Promise<string[]> {
  return (await queueDepths(deps)).map((d) => d.projectId);
}

/**
 * Per project, the tickets waiting to be dispatched (the same candidates, counted): queue depth. A ticket held by an
 * open blocker waits for that ticket, not for a slot: not counted (else a ticket behind a canceled blocker counted
 * forever and had its project claimed every sweep); the claim's gates still say why for `ticket why`.
 */
export async function queueDepths(deps: Pick<Deps, 'db' | 'clock'>): Promise<Array<{ projectId: string; n: number }>> {
  return deps.db
    .select({ projectId: tickets.projectId, n: sql<number>`count(distinct ${tickets.id})::int` })
    .from(tickets)
    .innerJoin(workflows, and(eq(workflows.projectId, tickets.projectId), eq(workflows.active, true)))
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(
      and(
        candidateCondition(deps.clock.now()),
        // In a pickup status of this workflow, and not taken by another one's override (gates.ts selectWorkflow).
        sql`${tickets.statusId} = any(${workflowVersions.pickupStatusIds})`,
        or(isNull(tickets.workflowId), eq(tickets.workflowId, workflows.id)),
        sql`not exists (select 1 ${openBlockersOf(sql`${tickets.id}`)})`,
      ),
    )
    .groupBy(tickets.projectId);
}

/** The open blockers (alias `b`, their status `s`) of the ticket `blocked` names: a subquery's FROM and WHERE. */
function openBlockersOf(blocked: SQL) {
  return sql`from ticket_dependencies d join tickets b on b.id = d.blocker_id join statuses s on s.id = b.status_id
    where d.blocked_id = ${blocked} and ${blockerOpen(sql.raw('s.stage'))}`;
}

function candidateCondition(now: Date) {
  return and(
    isNull(tickets.archivedAt),
    isNull(tickets.parkedReason),
    or(isNull(tickets.nextRetryAt), lte(tickets.nextRetryAt, now)),
    // "Waiting for input": an agent's question nobody has answered yet.
    or(isNull(tickets.question), isNotNull(tickets.answer)),
    // An agent run that ended but whose outcome (retry, park) is not applied yet still holds the
    // ticket: dispatching in that window would start an attempt the outcome may forbid.
    sql`not exists (select 1 from ${runs} where ${runs.ticketId} = ${tickets.id} and (${inArray(runs.state, [...ACTIVE_RUN_STATES])} or (${runs.kind} = 'agent' and ${runs.settledAt} is null)))`,
  );
}

/**
 * A candidate's run history (the machine of its newest run, for a warm workspace; the highest agent run number) and
 * its open blockers as JSON text (`[[identifier, status name, canceled], …]`), read in the candidates' statement.
 * Written out with aliases: drizzle leaves the columns of a one-table select unqualified, which a subquery would
 * misread.
 */
const CANDIDATE_HISTORY = {
  lastMachine: sql<string | null>`(select r.machine_id from runs r where r.ticket_id = "tickets"."id"
    order by r.created_at desc limit 1)`,
  lastNumber: sql<number>`(select coalesce(max(r.attempt) filter (where r.kind = 'agent'), 0)::int from runs r
    where r.ticket_id = "tickets"."id")`,
  openBlockers: sql<string>`(select coalesce(json_agg(json_build_array(b.identifier, s.name, s.stage = 'canceled')), '[]')::text
    ${openBlockersOf(sql.raw('"tickets"."id"'))})`,
};

export function claimProject(deps: Deps, projectId: string, offerHere?: OfferHere): Promise<ClaimedRun[]> {
  // Tracing: a span per pass, with a `dispatch.claim` (and `dispatch.offer`) child per run queued.
  return inSpan('dispatch.pass', { 'openase.project': projectId }, async (span) => {
    const claimed = await claimInPass(deps, projectId, offerHere);
    span.set({ 'openase.claimed': claimed.length });
    return claimed;
  });
}

async function claimInPass(deps: Deps, projectId: string, offerHere?: OfferHere): Promise<ClaimedRun[]> {
  const offered: Run[] = [];
  const claimed = await inTransaction(deps, async (tx, changes) => {
    const now = deps.clock.now();
    const pickupIds = sql`(select s from ${workflows} w join ${workflowVersions} v on v.id = w.current_version_id, unnest(v.pickup_status_ids) s where w.project_id = ${projectId} and w.active)`;
    // The project's lock first (it serializes claims of one project across replicas), then the candidates with
    // their run history and open blockers, the project's facts and repositories: pipelined, one round trip on
    // PostgreSQL, run in the order issued. So each is issued by its own call, in this order: in an array literal
    // the functions' queries would be issued while the array is built, before Promise.all starts the builders, and
    // the facts would be read before the lock, blind to a claim another replica commits meanwhile (its limits
    // counted without that run; dispatcher.test replays it). History and blockers are read by the candidates' own
    // statement, so they come from the snapshot that chose them (docs/orchestrator.md).
    const lock = tx.select().from(projects).where(eq(projects.id, projectId)).for('update').execute();
    const candidateRead = tx
      .select({ ticket: tickets, ...CANDIDATE_HISTORY })
      .from(tickets)
      .where(
        and(
          eq(tickets.projectId, projectId),
          candidateCondition(now),
          // An override chooses the workflow, not the status: its ticket, too, waits outside pickup statuses.
          sql`${tickets.statusId} in ${pickupIds}`,
        ),
      )
      .orderBy(priorityRank, asc(tickets.createdAt), asc(tickets.number))
      .limit(CANDIDATE_LIMIT)
      .for('update', { of: tickets, skipLocked: true })
      .execute();
    const factRead = readProjectRows(tx, projectId);
    const repositoryRead = listRepositories(tx, projectId);
    const [[project], candidateRows, rows, repositories] = await Promise.all([
      lock,
      candidateRead,
      factRead,
      repositoryRead,
    ]);
    if (!project) return [];
    if (candidateRows.length === 0) return [];
    const candidates = candidateRows.map((r) => r.ticket);
    const history = new Map(candidateRows.map((r) => [r.ticket.id, r]));
    const blockerRows = candidateRows.flatMap((r) =>
      (JSON.parse(r.openBlockers) as Array<[string, string, boolean]>).map(([identifier, statusName, canceled]) => ({
        blockedId: r.ticket.id,
        identifier,
        statusName,
        canceled,
      })),
    );
    const facts = assembleFacts(project, rows, blockerRows);
    const known: KnownProjectRows = { statuses: [...facts.statuses.values()], repositories };
    const claimed: ClaimedRun[] = [];
    const writes: Array<Promise<void>> = [];
    for (const ticket of candidates) {
      const claimStarted = Date.now();
      if (facts.ticketsWithActiveRun.has(ticket.id)) continue;
      const diagnosis = diagnosePickup(pickupFactsFor(facts, ticket, now));
      if (!diagnosis.dispatchable) continue;
      const entry = facts.workflows.find((w) => w.workflow.name === diagnosis.workflow)!;
      const eligible = facts.machines
        .filter((m) => diagnosis.machines.includes(m.name))
        .map((m) => ({ id: m.id, name: m.name, slots: m.slots, activeRuns: facts.counts.byMachine.get(m.id) ?? 0 }));
      const choice = chooseMachine(eligible, history.get(ticket.id)?.lastMachine ?? null);
      if (!choice) continue;
      // `attempt` counts against max_attempts and starts over on retry (the prompt's `attempt`);
      // the run's own number keeps counting, so two runs of one ticket never share a number.
      const attempt = ticket.attemptCount + 1;
      // Another project (or replica) may have filled this machine since the facts were read: the
      // lock is taken first (the count runs after it on the same connection). The job's reads go in
      // the same round trip; its machine fields come from the facts' row of the machine.
      const [[[machine], [busy]], spec] = await Promise.all([
        Promise.all([
          tx.select().from(machines).where(eq(machines.id, choice.id)).for('update'),
          tx
            .select({ n: sql<number>`count(*)::int` })
            .from(runs)
            .where(and(eq(runs.machineId, choice.id), inArray(runs.state, [...ACTIVE_RUN_STATES]))),
        ]),
        buildAgentJob(tx, {
          project,
          known,
          ticket,
          workflow: entry.workflow,
          version: entry.version,
          agent: entry.agent!,
          machine: facts.machines.find((m) => m.id === choice.id)!,
          attempt,
        }),
      ]);
      if (!machine || (busy?.n ?? 0) >= machine.slots) {
        facts.counts.byMachine.set(choice.id, machine?.slots ?? Number.MAX_SAFE_INTEGER);
        continue;
      }
      const number = (history.get(ticket.id)?.lastNumber ?? 0) + 1;
      const runId = deps.ids.uuid();
      const reason = `dispatched ${ticket.identifier} (run ${number}) to ${machine.name}: workflow ${entry.workflow.name} v${entry.version.version}, agent ${entry.agent!.name}`;
      const values = {
        id: runId,
        orgId: project.orgId,
        projectId,
        ticketId: ticket.id,
        workflowId: entry.workflow.id,
        workflowVersionId: entry.version.id,
        agentId: entry.agent!.id,
        machineId: machine.id,
        kind: 'agent' as const,
        spec,
        attempt: number,
        stateReason: reason,
        createdBy: 'orchestrator',
      };
      // The claim's writes and, on a machine held here, the offer: issued together and not awaited here. They run in
      // this order on the connection (the offer's UPDATE and token follow the run's INSERT), ahead of the next
      // ticket's statements; the last ticket's share the COMMIT's round trip (commitWith below). A failed one aborts
      // the transaction, and the pass fails with its error.
      const written = Promise.all([
        insertQueuedRun(tx, now, values),
        tx
          .update(tickets)
          .set({
            attemptCount: attempt,
            nextRetryAt: null,
            question: null,
            answer: null,
            answeredBy: null,
            updatedAt: now,
          })
          .where(eq(tickets.id, ticket.id)),
        recordDispatched(
          tx,
          deps,
          changes,
          orchestratorActor(project.orgId),
          { projectId, ticketId: ticket.id, id: runId, reason, machine },
          { workflow: entry.workflow.name, agent: entry.agent!.name, attempt: number },
        ),
        offerHere?.holds(machine.id)
          ? offerInTx(
              tx,
              deps,
              { ...values, state: 'queued', leaseEpoch: 0, conversationId: null },
              offerHere.offerTimeoutMs,
              offerHere.materialize,
              { version: entry.version, statuses: known.statuses },
            )
          : null,
      ]).then(([, , , offer]) => {
        if (!offer) return;
        offered.push(offer.run);
        changes.commands.push({ machineId: machine.id, frame: offer.frame });
      });
      writes.push(written);
      // The writes so far are the transaction's last until another ticket's come: should one fail, the pass fails
      // with its error (the next ticket's statements would only say the transaction was aborted).
      commitWith(changes, Promise.all(writes));
      countClaim(facts, {
        workflowId: entry.workflow.id,
        agentId: entry.agent!.id,
        statusId: ticket.statusId,
        machineId: machine.id,
        ticketId: ticket.id,
      });
      claimed.push({ runId, machineId: machine.id, ticketId: ticket.id, identifier: ticket.identifier });
      recordSpan(
        'dispatch.claim',
        {
          'openase.ticket': ticket.identifier,
          'openase.run': runId,
          'openase.machine': machine.name,
          'openase.project': projectId,
          'openase.attempt': attempt,
          'openase.eligible_seconds': eligibleFor(ticket, now),
        },
        claimStarted,
      );
      deps.metrics.dispatchLatency.observe({ stage: 'claim' }, eligibleFor(ticket, now));
      deps.log.info(
        { component: 'orchestrator', ticket: ticket.identifier, run: runId, machine: machine.name },
        `[orchestrator] ${reason}`,
      );
    }
    return claimed;
  });
  for (const run of offered) {
    deps.bus.publishRun({ runId: run.id, ackedSeq: run.ackedSeq, state: run.state });
    observeOffer(deps, run);
  }
  return claimed;
}

/** Seconds since the ticket became eligible: it entered its status, or its retry came due. */
function eligibleFor(ticket: typeof tickets.$inferSelect, now: Date): number {
  const since = Math.max(ticket.statusChangedAt.getTime(), ticket.nextRetryAt?.getTime() ?? 0);
  return Math.max(0, now.getTime() - since) / 1000;
}

export function orchestratorActor(orgId: string): Actor {
  return { type: 'system', id: 'orchestrator', name: 'orchestrator', orgId, role: 'admin' };
}
