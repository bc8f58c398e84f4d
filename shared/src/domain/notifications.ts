/**
 * Notifications: channels per organization (a signed webhook, or a Slack incoming webhook), rules per project
 * that send chosen events to a channel, and each person's inbox with their subscriptions.
 */
import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { prioritySchema } from './enums.js';
import { labelSchema, projectRefSchema, ticketRefSchema } from './inputs.js';

/** What can be notified. Each has a sentence for people (console, inbox, Slack). */
export const NOTIFICATION_EVENTS = [
  'ticket.entered_status',
  'ticket.commented',
  'run.failed',
  'ticket.parked',
  'ticket.budget_reached',
  'ticket.needs_approval',
  'ticket.waiting_for_input',
  'machine.lost',
  'project_ai.waiting',
] as const;
export const notificationEventSchema = z.enum(NOTIFICATION_EVENTS);
export type NotificationEvent = z.infer<typeof notificationEventSchema>;
export const NOTIFICATION_EVENT_LABELS: Record<NotificationEvent, string> = {
  'ticket.entered_status': 'A ticket entered a status',
  'ticket.commented': 'Someone commented on a ticket',
  'run.failed': 'A run failed',
  'ticket.parked': 'A ticket was parked (no more retries)',
  'ticket.budget_reached': 'A ticket reached its budget',
  'ticket.needs_approval': "An agent's tool call needs approval",
  'ticket.waiting_for_input': 'An agent asked a question',
  'machine.lost': 'A machine was lost',
  'project_ai.waiting': 'Project AI is waiting for you',
};

export const CHANNEL_KINDS = ['webhook', 'slack'] as const;
export const channelKindSchema = z.enum(CHANNEL_KINDS);
export type ChannelKind = z.infer<typeof channelKindSchema>;

/** Signature headers of a webhook delivery; docs/notifications.md shows how to verify one. */
export const WEBHOOK_HEADERS = {
  signature: 'x-openase-signature',
  timestamp: 'x-openase-timestamp',
  event: 'x-openase-event',
  delivery: 'x-openase-delivery',
} as const;

const channelName = z.string().trim().min(1).max(LIMITS.nameMax);
const httpUrl = z
  .string()
  .trim()
  .max(LIMITS.urlMax)
  .regex(/^https?:\/\/\S+$/, 'a URL starting with http:// or https://');
export const channelCreateInput = z.object({
  name: channelName,
  kind: channelKindSchema,
  url: httpUrl,
});
export const channelUpdateInput = z.object({
  channel: channelName,
  name: channelName.optional(),
  url: httpUrl.optional(),
  enabled: z.boolean().optional(),
});
export const channelRefInput = z.object({ channel: channelName });

/** Which events of a rule are sent: all of them, or only those matching every given list. */
export const notificationFilterSchema = z.object({
  /** ticket.entered_status: the status names that count (e.g. In Review). */
  statuses: z.array(z.string().trim().min(1).max(LIMITS.nameMax)).max(50).optional(),
  labels: z.array(labelSchema).max(50).optional(),
  priorities: z.array(prioritySchema).max(5).optional(),
});
export type NotificationFilter = z.infer<typeof notificationFilterSchema>;
export const ruleCreateInput = z.object({
  project: projectRefSchema,
  channel: channelName,
  event: notificationEventSchema,
  filter: notificationFilterSchema.default({}),
});
export const ruleRefInput = z.object({ id: z.string().uuid() });
export const ruleUpdateInput = ruleRefInput.extend({
  enabled: z.boolean().optional(),
  filter: notificationFilterSchema.optional(),
});

/** Which of a person's tickets put entries in their inbox. */
export const subscriptionsInput = z.object({
  ticketsCreated: z.boolean(),
  ticketsWatched: z.boolean(),
  /** Project AI conversations one started that wait for an answer. */
  projectAi: z.boolean(),
});
export type Subscriptions = z.infer<typeof subscriptionsInput>;
export const watchInput = z.object({ ticket: ticketRefSchema, watching: z.boolean() });
export const inboxListInput = z.object({
  unreadOnly: z.boolean().default(false),
  limit: z.number().int().min(1).max(500).default(100),
});
export const inboxReadInput = z.object({
  /** Marks these as read; absent = all of one's inbox. */
  ids: z.array(z.string().uuid()).max(500).optional(),
});
export const deliveryListInput = z.object({
  channel: channelName.optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
