/**
 * Notification channels (organization) and rules (project), managed by admins. A channel's URL and signing
 * secret are stored encrypted; the secret is shown once, at creation. `testChannel` sends one message now and
 * answers with what the receiver said.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import {
  channelCreateInput,
  channelUpdateInput,
  conflict,
  notFound,
  ruleCreateInput,
  ruleUpdateInput,
  type NotificationFilter,
} from '@openase/shared';
import type { z } from 'zod';
import {
  notificationAttempts,
  notificationChannels,
  notificationDeliveries,
  notificationRules,
  projects,
} from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { deleteRecorded, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction } from '../kernel/transaction.js';
import { allowedInput, inProject } from '../auth/project-write.js';
import { resolveStatus } from '../statuses/statuses.js';
import { requireRole } from '../auth/permissions.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { attempt, DEFAULT_DELIVERY_POLICY, type AttemptResult } from './delivery.js';

type Channel = typeof notificationChannels.$inferSelect;
export type ChannelView = Omit<Channel, 'urlEnc' | 'secretEnc'> & { signed: boolean };

const view = (c: Channel): ChannelView => {
  const { urlEnc: _u, secretEnc, ...rest } = c;
  return { ...rest, signed: !!secretEnc };
};

/** `https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/…`: enough to recognize, not to use. */
const hintOf = (url: string) => `${new URL(url).origin}/…`;

export async function resolveChannel(db: DbOrTx, orgId: string, name: string): Promise<Channel> {
  const [c] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.orgId, orgId), eq(notificationChannels.name, name)));
  if (!c) throw notFound(`no notification channel "${name}"; \`openase notify channels\` shows them`);
  return c;
}

export async function listChannels(db: DbOrTx, actor: Actor): Promise<ChannelView[]> {
  const rows = await db
    .select()
    .from(notificationChannels)
    .where(eq(notificationChannels.orgId, actor.orgId))
    .orderBy(asc(notificationChannels.name));
  return rows.map(view);
}

export interface ChannelCreated {
  channel: ChannelView;
  secret: string | null;
}

export const createChannel: Command<typeof channelCreateInput, ChannelCreated> = async (deps, actor, raw) => {
  const input = allowedInput(actor, 'admin', 'manage notification channels', channelCreateInput, raw);
  const secret = input.kind === 'webhook' ? `whsec_${deps.ids.secret(24)}` : null;
  return inTransaction(deps, async (tx, changes) => {
    const [clash] = await tx
      .select({ id: notificationChannels.id })
      .from(notificationChannels)
      .where(and(eq(notificationChannels.orgId, actor.orgId), eq(notificationChannels.name, input.name)));
    if (clash) throw conflict(`a channel named "${input.name}" exists already`);
    const c = await insertNew(tx, deps, notificationChannels, {
      orgId: actor.orgId,
      name: input.name,
      kind: input.kind,
      urlEnc: deps.secrets.encrypt(input.url),
      urlHint: hintOf(input.url),
      secretEnc: secret ? deps.secrets.encrypt(secret) : null,
      createdAt: deps.clock.now(),
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'notification.channel_created',
      entityType: 'notification_channel',
      entityId: c.id,
      summary: `added the ${input.kind} notification channel ${input.name} (${c.urlHint})`,
    });
    return { channel: view(c), secret };
  });
};

export const updateChannel: Command<typeof channelUpdateInput, ChannelView> = async (deps, actor, raw) => {
  const input = allowedInput(actor, 'admin', 'manage notification channels', channelUpdateInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveChannel(tx, actor.orgId, input.channel);
    const [updated] = await tx
      .update(notificationChannels)
      .set({
        ...(input.name ? { name: input.name } : {}),
        ...(input.url ? { urlEnc: deps.secrets.encrypt(input.url), urlHint: hintOf(input.url) } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      })
      .where(eq(notificationChannels.id, c.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'notification.channel_updated',
      entityType: 'notification_channel',
      entityId: c.id,
      summary: `changed the notification channel ${c.name}${input.enabled === false ? ' (turned off)' : input.enabled ? ' (turned on)' : ''}`,
    });
    return view(updated!);
  });
};

export async function deleteChannel(deps: Deps, actor: Actor, name: string): Promise<void> {
  requireRole(actor, 'admin', 'manage notification channels');
  await inTransaction(deps, async (tx, changes) => {
    const c = await resolveChannel(tx, actor.orgId, name);
    await deleteRecorded(tx, deps, changes, actor, notificationChannels, c, {
      projectId: null,
      action: 'notification.channel_deleted',
      entityType: 'notification_channel',
      summary: `removed the notification channel ${c.name} and its rules`,
    });
  });
}

/** Sends a test message now (one attempt, no retries) and reports the receiver's answer. */
export async function testChannel(deps: Deps, actor: Actor, name: string): Promise<AttemptResult> {
  requireRole(actor, 'admin', 'test notification channels');
  const c = await resolveChannel(deps.db, actor.orgId, name);
  const now = deps.clock.now();
  const [delivery] = await deps.db
    .insert(notificationDeliveries)
    .values({
      id: deps.ids.uuid(),
      orgId: actor.orgId,
      channelId: c.id,
      eventKey: `test:${deps.ids.uuid()}`,
      event: 'test',
      payload: {
        event: 'test',
        occurredAt: now.toISOString(),
        organization: actor.orgId,
        project: null,
        ticket: null,
        title: 'Test notification from OpenASE',
        text: `${actor.name} sent this to check the channel ${c.name}.`,
        url: null,
      },
      state: 'pending',
      createdAt: now,
    })
    .returning();
  return attempt(deps, DEFAULT_DELIVERY_POLICY, delivery!, c, { maxAttempts: 1 });
}

export async function listDeliveries(db: DbOrTx, actor: Actor, opts: { channel?: string; limit: number }) {
  requireRole(actor, 'admin', 'read the notification delivery log');
  const channel = opts.channel ? await resolveChannel(db, actor.orgId, opts.channel) : null;
  const deliveries = await db
    .select({ delivery: notificationDeliveries, channel: notificationChannels.name })
    .from(notificationDeliveries)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
    .where(
      and(
        eq(notificationDeliveries.orgId, actor.orgId),
        channel ? eq(notificationDeliveries.channelId, channel.id) : undefined,
      ),
    )
    .orderBy(desc(notificationDeliveries.createdAt))
    .limit(opts.limit);
  const ids = deliveries.map((d) => d.delivery.id);
  const attempts = ids.length
    ? await db
        .select()
        .from(notificationAttempts)
        .where(inArray(notificationAttempts.deliveryId, ids))
        .orderBy(asc(notificationAttempts.attempt))
    : [];
  return deliveries.map(({ delivery, channel: channelName }) => ({
    id: delivery.id,
    channel: channelName,
    event: delivery.event,
    title: (delivery.payload as { title?: string }).title ?? delivery.event,
    state: delivery.state,
    attempts: attempts
      .filter((a) => a.deliveryId === delivery.id)
      .map(({ attempt: n, status, error, durationMs, at }) => ({ attempt: n, status, error, durationMs, at })),
    nextAttemptAt: delivery.state === 'pending' ? delivery.nextAttemptAt : null,
    createdAt: delivery.createdAt,
    deliveredAt: delivery.deliveredAt,
  }));
}

export async function listRules(db: DbOrTx, actor: Actor, projectRef: string) {
  const project = await resolveProject(db, actor.orgId, projectRef);
  const rows = await db
    .select({ rule: notificationRules, channel: notificationChannels.name })
    .from(notificationRules)
    .innerJoin(notificationChannels, eq(notificationChannels.id, notificationRules.channelId))
    .where(eq(notificationRules.projectId, project.id))
    .orderBy(asc(notificationRules.createdAt));
  return rows.map(({ rule, channel }) => ({ ...rule, filter: rule.filter as NotificationFilter, channel }));
}

/**
 * A filter's statuses as the project names them: a misspelt one (a rule that could never fire) is refused with
 * the project's statuses.
 */
async function checkedFilter(tx: DbOrTx, projectId: string, filter: NotificationFilter): Promise<NotificationFilter> {
  if (!filter.statuses?.length) return filter;
  const statuses = [];
  for (const name of filter.statuses) statuses.push((await resolveStatus(tx, projectId, name)).name);
  return { ...filter, statuses };
}

export async function createRule(deps: Deps, actor: Actor, raw: z.input<typeof ruleCreateInput>) {
  const input = allowedInput(actor, 'admin', 'manage notification rules', ruleCreateInput, raw);
  const rule = await inProject(deps, actor, input.project, async (tx, changes, project) => {
    const channel = await resolveChannel(tx, actor.orgId, input.channel);
    input.filter = await checkedFilter(tx, project.id, input.filter);
    const r = await insertNew(tx, deps, notificationRules, {
      projectId: project.id,
      channelId: channel.id,
      event: input.event,
      filter: input.filter,
      createdAt: deps.clock.now(),
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'notification.rule_created',
      entityType: 'notification_rule',
      entityId: r.id,
      summary: `${project.slug}: send "${input.event}" to ${channel.name}`,
      after: { event: input.event, filter: input.filter, channel: channel.name },
    });
    return r;
  });
  return { ...rule, filter: rule.filter as NotificationFilter, channel: input.channel };
}

export async function updateRule(
  deps: Deps,
  actor: Actor,
  raw: z.input<typeof ruleUpdateInput> & { delete?: boolean },
) {
  const input = allowedInput(actor, 'admin', 'manage notification rules', ruleUpdateInput, raw);
  await inTransaction(deps, async (tx, changes) => {
    const [row] = await tx
      .select({ rule: notificationRules, orgId: projects.orgId })
      .from(notificationRules)
      .innerJoin(projects, eq(projects.id, notificationRules.projectId))
      .where(eq(notificationRules.id, input.id));
    if (!row || row.orgId !== actor.orgId) throw notFound(`notification rule ${input.id} does not exist`);
    if (raw.delete) await tx.delete(notificationRules).where(eq(notificationRules.id, input.id));
    else
      await tx
        .update(notificationRules)
        .set({
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          ...(input.filter ? { filter: await checkedFilter(tx, row.rule.projectId, input.filter) } : {}),
        })
        .where(eq(notificationRules.id, input.id));
    await recordActivity(tx, deps, changes, actor, {
      projectId: row.rule.projectId,
      action: raw.delete ? 'notification.rule_deleted' : 'notification.rule_updated',
      entityType: 'notification_rule',
      entityId: input.id,
      summary: `${raw.delete ? 'removed' : 'changed'} the notification rule for "${row.rule.event}"`,
    });
  });
}
