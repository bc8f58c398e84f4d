/**
 * Notifications: channels (organization), rules (project), deliveries with every attempt, who watches which
 * ticket, each person's subscriptions, and their inbox.
 */
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { CHANNEL_KINDS } from '@openase/shared';
import { createdAt, tstz, uuidId, cascadeRef, ownedRow } from './columns.js';
import { organizations, users } from './identity.js';
import { projects } from './projects.js';
import { tickets } from './tickets.js';

export const notificationChannels = pgTable(
  'notification_channels',
  {
    ...ownedRow('orgId', () => organizations.id),
    name: text('name').notNull(),
    kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
    /** Encrypted: a Slack webhook URL is a credential. */
    urlEnc: text('url_enc').notNull(),
    /** Where it points, without path or query, for display. */
    urlHint: text('url_hint').notNull(),
    /** The webhook signing secret, encrypted (shown once at creation). */
    secretEnc: text('secret_enc'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('notification_channels_org_name').on(t.orgId, t.name)],
);

export const notificationRules = pgTable(
  'notification_rules',
  {
    ...ownedRow('projectId', () => projects.id),
    channelId: cascadeRef('channel_id', () => notificationChannels.id),
    event: text('event').notNull(),
    filter: jsonb('filter').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('notification_rules_project').on(t.projectId)],
);

/**
 * One notification to one channel. `eventKey` names the event (an activity id, a run's end) so every replica
 * that sees it can enqueue and only the first insert wins. Sent by whichever replica locks it first.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: uuidId(),
    orgId: uuid('org_id').notNull(),
    channelId: cascadeRef('channel_id', () => notificationChannels.id),
    ruleId: uuid('rule_id'),
    eventKey: text('event_key').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').notNull(),
    state: text('state', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: tstz('delivered_at'),
  },
  (t) => [
    uniqueIndex('notification_deliveries_channel_event').on(t.channelId, t.eventKey),
    index('notification_deliveries_due').on(t.state, t.nextAttemptAt),
  ],
);

export const notificationAttempts = pgTable(
  'notification_attempts',
  {
    ...ownedRow('deliveryId', () => notificationDeliveries.id),
    attempt: integer('attempt').notNull(),
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    at: tstz('at').notNull(),
  },
  (t) => [uniqueIndex('notification_attempts_delivery_attempt').on(t.deliveryId, t.attempt)],
);

/** Who watches a ticket; its creator is added when it is created. */
export const ticketWatchers = pgTable(
  'ticket_watchers',
  {
    ticketId: cascadeRef('ticket_id', () => tickets.id),
    userId: cascadeRef('user_id', () => users.id),
    reason: text('reason', { enum: ['creator', 'watching'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.userId] }), index('ticket_watchers_user').on(t.userId)],
);

export const notificationSubscriptions = pgTable('notification_subscriptions', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  ticketsCreated: boolean('tickets_created').notNull().default(true),
  ticketsWatched: boolean('tickets_watched').notNull().default(true),
  projectAi: boolean('project_ai').notNull().default(true),
});

export const inboxItems = pgTable(
  'inbox_items',
  {
    ...ownedRow('userId', () => users.id),
    orgId: uuid('org_id').notNull(),
    projectId: uuid('project_id'),
    ticketId: uuid('ticket_id'),
    eventKey: text('event_key').notNull(),
    event: text('event').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** Console path to open, e.g. /p/demo/board/DEMO-3. */
    link: text('link'),
    createdAt: createdAt(),
    readAt: tstz('read_at'),
  },
  (t) => [
    uniqueIndex('inbox_items_user_event').on(t.userId, t.eventKey),
    index('inbox_items_user_unread').on(t.userId, t.readAt),
  ],
);
