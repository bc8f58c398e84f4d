/** The full view of one ticket, as `ticket show` and the ticket drawer present it. */
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { machines, projects, pullRequests, runs, statuses, ticketReviews, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { listActivity } from '../activity/activity.js';
import { listComments } from './comments.js';
import { ticketRelations } from './dependencies.js';
import { resolveTicket } from './tickets.js';
import { waitingApprovals } from '../runs/waiting-approvals.js';

export async function ticketDetail(db: DbOrTx, orgId: string, ref: string) {
  const ticket = await resolveTicket(db, orgId, ref);
  const [[project], [status], relations, comments, activity, runRows, pulls, reviews, approvals] = await Promise.all([
    db
      .select({ id: projects.id, slug: projects.slug, name: projects.name })
      .from(projects)
      .where(eq(projects.id, ticket.projectId)),
    db.select().from(statuses).where(eq(statuses.id, ticket.statusId)),
    ticketRelations(db, ticket.id),
    listComments(db, ticket.id),
    listActivity(db, { projectId: ticket.projectId, ticketId: ticket.id, limit: 500 }),
    db
      .select({
        id: runs.id,
        state: runs.state,
        stateReason: runs.stateReason,
        attempt: runs.attempt,
        machine: machines.name,
        costUsd: runs.costUsd,
        inputTokens: runs.inputTokens,
        outputTokens: runs.outputTokens,
        createdAt: runs.createdAt,
        startedAt: runs.startedAt,
        finishedAt: runs.finishedAt,
        commits: runs.commits,
      })
      .from(runs)
      .leftJoin(machines, eq(machines.id, runs.machineId))
      .where(eq(runs.ticketId, ticket.id))
      .orderBy(desc(runs.createdAt))
      .limit(100),
    db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id)),
    db.select().from(ticketReviews).where(eq(ticketReviews.ticketId, ticket.id)).orderBy(asc(ticketReviews.createdAt)),
    waitingApprovals(db, { ticketId: ticket.id }),
  ]);
  const related = [...relations.blockedBy, ...relations.blocks, ...relations.children];
  const statusIds = [...new Set(related.map((r) => r.statusId))];
  const statusRows = statusIds.length ? await db.select().from(statuses).where(inArray(statuses.id, statusIds)) : [];
  const statusById = new Map(statusRows.map((s) => [s.id, s]));
  const describe = (r: { id: string; identifier: string; title: string; statusId: string }) => ({
    id: r.id,
    identifier: r.identifier,
    title: r.title,
    status: statusById.get(r.statusId)?.name ?? null,
    stage: statusById.get(r.statusId)?.stage ?? null,
  });
  const [parent] = ticket.parentId
    ? await db
        .select({ id: tickets.id, identifier: tickets.identifier, title: tickets.title })
        .from(tickets)
        .where(eq(tickets.id, ticket.parentId))
    : [];
  return {
    ...ticket,
    project: project!,
    status: { id: status!.id, name: status!.name, stage: status!.stage },
    parent: parent ?? null,
    children: relations.children.map(describe),
    blockedBy: relations.blockedBy.map(describe),
    blocks: relations.blocks.map(describe),
    comments,
    activity,
    /** Newest first. */
    runs: runRows,
    pullRequests: pulls,
    /** Review verdicts, oldest first (the ticket's `reviewRound` and `reviewState` say where it stands). */
    reviews,
    /** Tool calls of its live runs waiting for a person (harness tools.ask), oldest first: "Needs approval". */
    approvals,
  };
}
export type TicketDetail = Awaited<ReturnType<typeof ticketDetail>>;
