/** Each person's inbox: what happened to the tickets they created or watch, and Project AI waiting for them. */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { forbidden, type Subscriptions } from '@openase/shared';
import { inboxItems, notificationSubscriptions, ticketWatchers } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { resolveTicket } from '../tickets/tickets.js';

function me(actor: Actor): string {
  if (!actor.userId || actor.type !== 'user') throw forbidden('only a person has an inbox');
  return actor.userId;
}

export async function listInbox(db: DbOrTx, actor: Actor, opts: { unreadOnly: boolean; limit: number }) {
  const userId = me(actor);
  const items = await db
    .select()
    .from(inboxItems)
    .where(and(eq(inboxItems.userId, userId), opts.unreadOnly ? isNull(inboxItems.readAt) : undefined))
    .orderBy(desc(inboxItems.createdAt))
    .limit(opts.limit);
  return { items, unread: await unreadCount(db, userId) };
}

export async function unreadCount(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(inboxItems)
    .where(and(eq(inboxItems.userId, userId), isNull(inboxItems.readAt)));
  return row?.n ?? 0;
}

export async function markRead(deps: Deps, actor: Actor, ids?: string[]): Promise<{ unread: number }> {
  const userId = me(actor);
  await deps.db
    .update(inboxItems)
    .set({ readAt: deps.clock.now() })
    .where(
      and(eq(inboxItems.userId, userId), isNull(inboxItems.readAt), ids ? inArray(inboxItems.id, ids) : undefined),
    );
  deps.bus.publishInbox([userId]);
  return { unread: await unreadCount(deps.db, userId) };
}

export async function getSubscriptions(db: DbOrTx, actor: Actor): Promise<Subscriptions> {
  const [row] = await db
    .select()
    .from(notificationSubscriptions)
    .where(eq(notificationSubscriptions.userId, me(actor)));
  return {
    ticketsCreated: row?.ticketsCreated ?? true,
    ticketsWatched: row?.ticketsWatched ?? true,
    projectAi: row?.projectAi ?? true,
  };
}

export async function setSubscriptions(deps: Deps, actor: Actor, subs: Subscriptions): Promise<Subscriptions> {
  const userId = me(actor);
  await deps.db
    .insert(notificationSubscriptions)
    .values({ userId, ...subs })
    .onConflictDoUpdate({ target: notificationSubscriptions.userId, set: subs });
  return subs;
}

/** Watch or stop watching a ticket (the creator's own watch is kept, but "watching: false" removes it too). */
export async function setWatching(deps: Deps, actor: Actor, ticketRef: string, watching: boolean) {
  const userId = me(actor);
  const ticket = await resolveTicket(deps.db, actor.orgId, ticketRef);
  const key = and(eq(ticketWatchers.ticketId, ticket.id), eq(ticketWatchers.userId, userId));
  if (watching)
    await deps.db
      .insert(ticketWatchers)
      .values({ ticketId: ticket.id, userId, reason: 'watching', createdAt: deps.clock.now() })
      .onConflictDoNothing();
  else await deps.db.delete(ticketWatchers).where(key);
  return { ticket: ticket.identifier, watching };
}

export async function isWatching(db: DbOrTx, actor: Actor, ticketRef: string): Promise<boolean> {
  if (!actor.userId) return false;
  const ticket = await resolveTicket(db, actor.orgId, ticketRef);
  const [row] = await db
    .select({ userId: ticketWatchers.userId })
    .from(ticketWatchers)
    .where(and(eq(ticketWatchers.ticketId, ticket.id), eq(ticketWatchers.userId, actor.userId)));
  return !!row;
}
