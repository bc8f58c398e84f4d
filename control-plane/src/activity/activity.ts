/**
 * The append-only audit log. Every change in the domain calls `recordActivity` inside its own
 * transaction, so an entry exists exactly when the change committed.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { badRequest, decodeCursor, pageFrom, type Page } from '@openase/shared';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { activity, projects } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import type { Changes } from '../kernel/transaction.js';
import type { ActivityAction, EventAfter } from '../kernel/domain-events.js';

export type ActivityEntry = typeof activity.$inferSelect;

/** `after` of a domain event (kernel/domain-events.ts) must carry that event's payload. */
export interface ActivityInput<A extends ActivityAction = ActivityAction> {
  projectId: string | null;
  ticketId?: string | null;
  action: A;
  entityType: string;
  entityId: string;
  summary: string;
  before?: unknown;
  after?: EventAfter<A>;
}

/** The fields of an entry about one ticket: its project, the ticket, and the ticket as the entity. */
export function aboutTicket(ticket: { id: string; projectId: string }) {
  return { projectId: ticket.projectId, ticketId: ticket.id, entityType: 'ticket', entityId: ticket.id };
}

export async function recordActivity<A extends ActivityAction>(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  input: ActivityInput<A>,
): Promise<ActivityEntry> {
  const values = {
    orgId: actor.orgId,
    projectId: input.projectId,
    seq: null,
    ticketId: input.ticketId ?? null,
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    summary: input.summary,
    before: input.before ?? null,
    after: input.after ?? null,
    createdAt: deps.clock.now(),
  };
  let inserted;
  if (input.projectId) {
    // The project's next seq and the entry in one statement (one round trip on PostgreSQL). The UPDATE holds the
    // project's row lock until commit, so per-project seq order equals commit order.
    const bumped = tx.$with('bumped').as(
      tx
        .update(projects)
        .set({ activitySeq: sql`${projects.activitySeq} + 1` })
        .where(eq(projects.id, input.projectId))
        .returning({ seq: projects.activitySeq }),
    );
    inserted = tx
      .with(bumped)
      .insert(activity)
      .values({ ...values, seq: sql`(select ${bumped.seq} from ${bumped})` });
  } else inserted = tx.insert(activity).values(values);
  const [entry] = await inserted.returning();
  changes.activity.push(entry!);
  return entry!;
}

/**
 * Deletes one named row by its id, records `entry` about it (the row is the entry's entity) and answers its name.
 */
export async function deleteRecorded<A extends ActivityAction>(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  changes: Changes,
  actor: Actor,
  table: PgTable & { id: PgColumn },
  row: { id: string; name: string },
  entry: Omit<ActivityInput<A>, 'entityId'>,
): Promise<{ deleted: string }> {
  await tx.delete(table).where(eq(table.id, row.id));
  await recordActivity(tx, deps, changes, actor, { ...entry, entityId: row.id });
  return { deleted: row.name };
}

export async function listActivity(
  db: DbOrTx,
  query: { projectId: string; ticketId?: string; afterSeq?: number; limit?: number },
): Promise<ActivityEntry[]> {
  const conditions = [eq(activity.projectId, query.projectId), gt(activity.seq, query.afterSeq ?? 0)];
  if (query.ticketId) conditions.push(eq(activity.ticketId, query.ticketId));
  return db
    .select()
    .from(activity)
    .where(and(...conditions))
    .orderBy(asc(activity.seq))
    .limit(query.limit ?? 200);
}

/** The activity listing of the API: oldest first from `afterSeq` or the cursor, one page at a time. */
export async function activityPage(
  db: DbOrTx,
  query: { projectId: string; ticketId?: string; afterSeq: number; cursor?: string; limit: number },
): Promise<Page<ActivityEntry>> {
  let afterSeq = query.afterSeq;
  if (query.cursor) {
    const after = decodeCursor(query.cursor, ['int'] as const);
    if (!after) throw badRequest('this cursor is not one of an activity list; pass nextCursor as it was given');
    afterSeq = after[0];
  }
  const rows = await listActivity(db, { ...query, afterSeq, limit: query.limit + 1 });
  return pageFrom(rows, query.limit, (e) => [e.seq ?? 0]);
}
