/**
 * From one event to who hears of it: the project's rules for the event (filtered) become deliveries to their
 * channels; the people watching the ticket (its creator, those who chose to watch it) or the person a Project AI
 * conversation waits for get an inbox entry, as their subscriptions allow. Inserts are keyed by the event, so
 * every replica may run this for the same event and it still lands once.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { NOTIFICATION_EVENTS, type NotificationEvent, type NotificationFilter } from '@openase/shared';
import {
  inboxItems,
  notificationChannels,
  notificationDeliveries,
  notificationRules,
  notificationSubscriptions,
  projects,
  ticketWatchers,
} from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { NotifyEvent } from './events.js';

/** Pure: whether an event passes a rule's filter (every list given must match). */
export function matchesFilter(filter: NotificationFilter, e: NotifyEvent): boolean {
  const t = e.ticket;
  if (filter.statuses?.length && !(t && filter.statuses.some((s) => s.toLowerCase() === t.status.toLowerCase())))
    return false;
  if (filter.labels?.length && !(t && filter.labels.some((l) => t.labels.includes(l)))) return false;
  if (filter.priorities?.length && !(t && filter.priorities.includes(t.priority))) return false;
  return true;
}

/** The JSON a webhook receives (and what a Slack message is made from). */
export function payloadOf(e: NotifyEvent, publicUrl: string) {
  return {
    event: e.event,
    occurredAt: e.occurredAt.toISOString(),
    organization: e.orgId,
    project: e.project,
    ticket: e.ticket,
    title: e.title,
    text: e.text,
    url: e.link ? `${publicUrl}${e.link}` : null,
  };
}

/** Enqueues the deliveries of `e`; returns how many were new. */
export async function enqueueDeliveries(deps: Deps, e: NotifyEvent, publicUrl: string): Promise<number> {
  const rules = await deps.db
    .select({ rule: notificationRules })
    .from(notificationRules)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notificationRules.channelId))
    .innerJoin(projects, eq(projects.id, notificationRules.projectId))
    .where(
      and(
        eq(notificationRules.event, e.event),
        eq(notificationRules.enabled, true),
        eq(notificationChannels.enabled, true),
        e.project ? eq(notificationRules.projectId, e.project.id) : eq(projects.orgId, e.orgId),
      ),
    );
  const matching = rules.filter(({ rule }) => matchesFilter(rule.filter as NotificationFilter, e));
  if (!matching.length) return 0;
  const now = deps.clock.now();
  const payload = payloadOf(e, publicUrl);
  const inserted = await deps.db
    .insert(notificationDeliveries)
    .values(
      matching.map(({ rule }) => ({
        id: deps.ids.uuid(),
        orgId: e.orgId,
        channelId: rule.channelId,
        ruleId: rule.id,
        eventKey: e.key,
        event: e.event,
        payload,
        state: 'pending' as const,
        nextAttemptAt: now,
        createdAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: notificationDeliveries.id });
  return inserted.length;
}

/** The inbox holds what happened to tickets; a lost machine and a waiting Project AI conversation reach people
 * through channels only. */
const NOT_IN_INBOX: readonly NotificationEvent[] = ['machine.lost', 'project_ai.waiting'];
const INBOX_EVENTS = new Set<string>(NOTIFICATION_EVENTS.filter((event) => !NOT_IN_INBOX.includes(event)));

/** Puts `e` in the inbox of those it concerns; returns the people whose inbox may have changed. */
export async function enqueueInbox(deps: Deps, e: NotifyEvent): Promise<string[]> {
  let people: string[] = [];
  if (e.recipients) {
    const subs = await deps.db
      .select()
      .from(notificationSubscriptions)
      .where(inArray(notificationSubscriptions.userId, e.recipients));
    people = e.recipients.filter((id) => subs.find((s) => s.userId === id)?.projectAi ?? true);
  } else if (e.ticket && INBOX_EVENTS.has(e.event)) {
    const rows = await deps.db
      .select({ userId: ticketWatchers.userId, reason: ticketWatchers.reason, subs: notificationSubscriptions })
      .from(ticketWatchers)
      .leftJoin(notificationSubscriptions, eq(notificationSubscriptions.userId, ticketWatchers.userId))
      .where(eq(ticketWatchers.ticketId, e.ticket.id));
    people = rows
      .filter((r) => (r.reason === 'creator' ? (r.subs?.ticketsCreated ?? true) : (r.subs?.ticketsWatched ?? true)))
      .map((r) => r.userId);
  }
  people = people.filter((id) => id !== e.causedBy);
  if (!people.length) return [];
  const now = deps.clock.now();
  await deps.db
    .insert(inboxItems)
    .values(
      people.map((userId) => ({
        id: deps.ids.uuid(),
        userId,
        orgId: e.orgId,
        projectId: e.project?.id ?? null,
        ticketId: e.ticket?.id ?? null,
        eventKey: e.key,
        event: e.event,
        title: e.title,
        body: e.text,
        link: e.link,
        createdAt: now,
      })),
    )
    .onConflictDoNothing();
  return people;
}

/** The creator of a ticket watches it (their "tickets I created" subscription decides if they hear of it). */
export async function watchAsCreator(deps: Deps, ticketId: string, userId: string): Promise<void> {
  await deps.db
    .insert(ticketWatchers)
    .values({ ticketId, userId, reason: 'creator', createdAt: deps.clock.now() })
    .onConflictDoNothing();
}
