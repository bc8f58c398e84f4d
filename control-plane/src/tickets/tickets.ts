/**
 * Tickets: creation with race-free, gap-free identifiers, updates, moves between statuses and
 * archiving. Every change records an activity entry with what it was before and after.
 */
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import {
  fieldWords,
  badRequest,
  decodeCursor,
  pageFrom,
  type Page,
  ticketArchiveInput,
  ticketCreateInput,
  ticketListInput,
  ticketMoveInput,
  ticketUpdateInput,
  type TicketCreateInput,
  type TicketUpdateInput,
} from '@openase/shared';
import type { z } from 'zod';
import { projects, pullRequests, statuses, tickets } from '../db/schema.js';
import { pullRequestBadge, type PullRequestBadge } from './pull-request-badge.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import type { Changes } from '../kernel/transaction.js';
import { inProject, memberInput } from '../auth/project-write.js';
import { requireRoleIn } from '../auth/permissions.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { listStatuses, resolveStatus } from '../statuses/statuses.js';
import { assertNoParentCycle } from './dependencies.js';
import { cardFacts, type CardFacts } from './card-facts.js';

import { lockTicket, onLockedTicket, resolveTicket, type Ticket } from './ticket-write.js';

export { lockTicket, resolveTicket, type Ticket };

export async function createTicket(deps: Deps, actor: Actor, raw: TicketCreateInput): Promise<Ticket> {
  const input = await memberInput(deps, actor, 'create tickets', ticketCreateInput, raw);
  return inProject(deps, actor, input.project, async (tx, changes, project) => {
    await requireRoleIn(tx, actor, project.id, 'member', 'create tickets');
    return insertTicket(tx, deps, changes, actor, project.id, input);
  });
}

/**
 * Creates a ticket inside the caller's transaction (scheduled jobs write their fire record in
 * the same one). `workflowId` sets the ticket's explicit workflow.
 */
export async function insertTicket(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  projectId: string,
  input: z.output<typeof ticketCreateInput>,
  extra: { workflowId?: string | null } = {},
): Promise<Ticket> {
  const status = input.status ? await resolveStatus(tx, projectId, input.status) : await defaultStatus(tx, projectId);
  const parent = input.parent ? await resolveTicket(tx, actor.orgId, input.parent) : null;
  if (parent && parent.projectId !== projectId)
    throw badRequest(`parent ${parent.identifier} belongs to another project`);
  // The row lock taken here serializes concurrent creates in one project until commit, so
  // numbers are unique and, since a rollback undoes the bump, gap-free.
  const [counter] = await tx
    .update(projects)
    .set({ ticketSeq: sql`${projects.ticketSeq} + 1` })
    .where(eq(projects.id, projectId))
    .returning({ seq: projects.ticketSeq, prefix: projects.ticketPrefix });
  const number = counter!.seq;
  const now = deps.clock.now();
  const ticket = await insertNew(tx, deps, tickets, {
    projectId,
    number,
    identifier: `${counter!.prefix}-${number}`,
    title: input.title,
    description: input.description,
    statusId: status.id,
    priority: input.priority,
    labels: dedupe(input.labels),
    parentId: parent?.id ?? null,
    budgetUsd: input.budgetUsd ?? null,
    workflowId: extra.workflowId ?? null,
    createdBy: actor.name,
    createdAt: now,
    updatedAt: now,
    statusChangedAt: now,
  });
  await recordActivity(tx, deps, changes, actor, {
    ...aboutTicket(ticket),
    action: 'ticket.created',
    summary: `created ${ticket.identifier} "${truncate(input.title)}" in ${status.name}`,
    after: {
      title: input.title,
      status: status.name,
      priority: input.priority,
      labels: ticket.labels,
      parent: parent?.identifier ?? null,
    },
  });
  return ticket;
}

async function defaultStatus(tx: Tx, projectId: string) {
  const all = await listStatuses(tx, projectId);
  const chosen = all.find((s) => s.isDefault) ?? all.find((s) => s.stage === 'backlog') ?? all[0];
  if (!chosen) throw badRequest('this project has no statuses; create one with `openase status create`');
  return chosen;
}

export async function updateTicket(deps: Deps, actor: Actor, raw: TicketUpdateInput): Promise<Ticket> {
  return onLockedTicket(deps, actor, 'edit tickets', ticketUpdateInput, raw, async ({ tx, changes, ticket, input }) => {
    const patch: Partial<Ticket> = {};
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set = <K extends keyof Ticket>(
      key: K,
      value: Ticket[K],
      shown: unknown = value,
      shownBefore: unknown = ticket[key],
    ) => {
      if (JSON.stringify(ticket[key]) === JSON.stringify(value)) return;
      patch[key] = value;
      before[key] = shownBefore;
      after[key] = shown;
    };
    if (input.title !== undefined) set('title', input.title);
    if (input.description !== undefined) set('description', input.description);
    if (input.priority !== undefined) set('priority', input.priority);
    if (input.labels !== undefined) set('labels', dedupe(input.labels));
    if (input.budgetUsd !== undefined) set('budgetUsd', input.budgetUsd);
    if (input.parent !== undefined) {
      const parent = input.parent === null ? null : await resolveTicket(tx, actor.orgId, input.parent);
      if (parent) {
        if (parent.projectId !== ticket.projectId)
          throw badRequest(`parent ${parent.identifier} belongs to another project`);
        await assertNoParentCycle(tx, ticket, parent);
      }
      const oldParent = ticket.parentId
        ? (await tx.select({ identifier: tickets.identifier }).from(tickets).where(eq(tickets.id, ticket.parentId)))[0]
        : null;
      set('parentId', parent?.id ?? null, parent?.identifier ?? null, oldParent?.identifier ?? null);
    }
    return applyUpdate(tx, deps, changes, actor, ticket, patch, { before, after });
  });
}

/**
 * Writes `patch` to a locked ticket inside the caller's transaction and records one `ticket.updated` entry with
 * the fields as they were and are (`shown`); an empty patch changes nothing.
 */
export async function applyUpdate(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  ticket: Ticket,
  patch: Partial<Ticket>,
  shown: { before: Record<string, unknown>; after: Record<string, unknown> },
): Promise<Ticket> {
  if (Object.keys(patch).length === 0) return ticket;
  const [updated] = await tx
    .update(tickets)
    .set({ ...patch, updatedAt: deps.clock.now() })
    .where(eq(tickets.id, ticket.id))
    .returning();
  await recordActivity(tx, deps, changes, actor, {
    ...aboutTicket(ticket),
    action: 'ticket.updated',
    summary: `updated ${ticket.identifier}: ${Object.keys(shown.after).map(fieldWords).join(', ')}`,
    ...shown,
  });
  return updated!;
}

export async function moveTicket(
  deps: Deps,
  actor: Actor,
  raw: z.input<typeof ticketMoveInput>,
): Promise<Ticket & { unchanged?: boolean; statusName: string }> {
  return onLockedTicket(deps, actor, 'move tickets', ticketMoveInput, raw, async ({ tx, changes, ticket, input }) => {
    const target = await resolveStatus(tx, ticket.projectId, input.status);
    if (target.id === ticket.statusId) return { ...ticket, unchanged: true, statusName: target.name };
    return { ...(await movedByPerson(tx, deps, changes, actor, ticket, target)), statusName: target.name };
  });
}

/**
 * A person's move (one ticket, or many at once): the ticket's attempts start over, as `ticket retry` does — a parked
 * ticket is picked up again and one waiting for a retry is not held by the failures before (docs/orchestrator.md).
 */
export async function movedByPerson(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  ticket: Ticket,
  target: { id: string; name: string },
): Promise<Ticket> {
  // Held back by earlier failures (parked, or waiting for a retry); a run in progress keeps its count.
  if (!ticket.parkedReason && !ticket.nextRetryAt) return applyMove(tx, deps, changes, actor, ticket, target);
  const why = ticket.parkedReason
    ? `it was parked: ${ticket.parkedReason}; attempts start over`
    : 'attempts start over';
  return applyMove(tx, deps, changes, actor, ticket, target, {
    why,
    extra: { attemptsBefore: ticket.attemptCount },
    also: { parkedReason: null, nextRetryAt: null, attemptCount: 0 },
  });
}

/** How a move is told: `why` is added to the activity summary, `extra` to its `after`. */
export interface MoveNote {
  /** Who asked and which checks passed, e.g. 'requested by its agent; the checks before finishing passed'. */
  why?: string;
  extra?: Record<string, unknown>;
  /** More of the ticket to change in the same statement (a person's move starts the attempts over). */
  also?: Partial<Pick<Ticket, 'parkedReason' | 'nextRetryAt' | 'attemptCount'>>;
}

/** Moves a locked ticket to `target` inside the caller's transaction and records it (`note`: see MoveNote). */
export async function applyMove(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  ticket: Ticket,
  target: { id: string; name: string },
  { why, extra = {}, also = {} }: MoveNote = {},
): Promise<Ticket> {
  if (target.id === ticket.statusId) return ticket;
  const [from] = await tx.select({ name: statuses.name }).from(statuses).where(eq(statuses.id, ticket.statusId));
  const now = deps.clock.now();
  const [updated] = await tx
    .update(tickets)
    .set({ ...also, statusId: target.id, updatedAt: now, statusChangedAt: now })
    .where(eq(tickets.id, ticket.id))
    .returning();
  await recordActivity(tx, deps, changes, actor, {
    ...aboutTicket(ticket),
    action: 'ticket.moved',
    summary: `moved ${ticket.identifier} from ${from?.name ?? '?'} to ${target.name}${why ? ` (${why})` : ''}`,
    before: { status: from?.name ?? null },
    after: { status: target.name, ...extra },
  });
  return updated!;
}

export const archiveTicket: Command<typeof ticketArchiveInput, Ticket> = async (deps, actor, raw) => {
  return onLockedTicket(
    deps,
    actor,
    'archive tickets',
    ticketArchiveInput,
    raw,
    async ({ tx, changes, ticket, input }) => {
      if ((ticket.archivedAt !== null) === input.archived) return ticket;
      const now = deps.clock.now();
      const [updated] = await tx
        .update(tickets)
        .set({ archivedAt: input.archived ? now : null, updatedAt: now })
        .where(eq(tickets.id, ticket.id))
        .returning();
      await recordActivity(tx, deps, changes, actor, {
        ...aboutTicket(ticket),
        action: input.archived ? 'ticket.archived' : 'ticket.unarchived',
        summary: `${input.archived ? 'archived' : 'restored'} ${ticket.identifier}`,
        before: { archived: !input.archived },
        after: { archived: input.archived },
      });
      return updated!;
    },
  );
};

export interface TicketListItem extends Ticket, CardFacts {
  statusName: string;
  statusStage: string;
  /** The card's pull request badge: checks and review on GitHub (null: no pull request). */
  pullRequest: PullRequestBadge | null;
}

/** A project's tickets in board order (status position, then newest first), one page at a time. */
export async function listTickets(
  db: DbOrTx,
  orgId: string,
  raw: z.input<typeof ticketListInput>,
): Promise<Page<TicketListItem> & { counts?: Record<string, number> }> {
  const input = ticketListInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const conditions: SQL[] = [eq(tickets.projectId, project.id)];
  if (!input.includeArchived) conditions.push(isNull(tickets.archivedAt));
  if (input.priority) conditions.push(eq(tickets.priority, input.priority));
  if (input.label) conditions.push(sql`${input.label} = any(${tickets.labels})`);
  if (input.search) {
    const pattern = `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      sql`(${tickets.title} ilike ${pattern} or ${tickets.identifier} ilike ${pattern}
        or array_to_string(${tickets.labels}, ' ') ilike ${pattern})`,
    );
  }
  // The board's column counts: the filter without the status and the cursor, one grouped query.
  const counts = input.counts ? await countByStatus(db, conditions) : undefined;
  if (input.status) conditions.push(eq(tickets.statusId, (await resolveStatus(db, project.id, input.status)).id));
  if (input.cursor) {
    // After the previous page's last card: later statuses, or the same status and older tickets.
    const after = decodeCursor(input.cursor, ['int', 'int'] as const);
    if (!after) throw badRequest('this cursor is not one of a ticket list; pass nextCursor as it was given');
    const [position, number] = after;
    conditions.push(
      sql`(${statuses.position} > ${position} or (${statuses.position} = ${position} and ${tickets.number} < ${number}))`,
    );
  }
  const rows = await db
    .select({ ticket: tickets, statusName: statuses.name, statusStage: statuses.stage, position: statuses.position })
    .from(tickets)
    .innerJoin(statuses, eq(statuses.id, tickets.statusId))
    .where(and(...conditions))
    .orderBy(asc(statuses.position), desc(tickets.number))
    .limit(input.limit + 1);
  const page = pageFrom(rows, input.limit, (r) => [r.position, r.ticket.number]);
  const ids = page.items.map((r) => r.ticket.id);
  const pulls = ids.length ? await db.select().from(pullRequests).where(inArray(pullRequests.ticketId, ids)) : [];
  const facts = await cardFacts(
    db,
    page.items.map((r) => r.ticket),
  );
  const pullsOf = new Map<string, typeof pulls>();
  for (const p of pulls) pullsOf.set(p.ticketId, [...(pullsOf.get(p.ticketId) ?? []), p]);
  return {
    items: page.items.map((r) => ({
      ...r.ticket,
      ...facts.get(r.ticket.id)!,
      statusName: r.statusName,
      statusStage: r.statusStage,
      pullRequest: pullRequestBadge(pullsOf.get(r.ticket.id) ?? []),
    })),
    nextCursor: page.nextCursor,
    ...(counts ? { counts } : {}),
  };
}

/** Status id → how many tickets match `conditions` (statuses with none are left out). */
async function countByStatus(db: DbOrTx, conditions: SQL[]): Promise<Record<string, number>> {
  const rows = await db
    .select({ statusId: tickets.statusId, n: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(...conditions))
    .groupBy(tickets.statusId);
  return Object.fromEntries(rows.map((r) => [r.statusId, Number(r.n)]));
}

export async function ticketsByIds(db: DbOrTx, ids: string[]): Promise<Ticket[]> {
  if (ids.length === 0) return [];
  return db.select().from(tickets).where(inArray(tickets.id, ids));
}

function dedupe(labels: string[]): string[] {
  return [...new Set(labels)];
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
