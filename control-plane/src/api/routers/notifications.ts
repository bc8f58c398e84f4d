import { on } from 'node:events';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  channelCreateInput,
  channelRefInput,
  channelUpdateInput,
  deliveryListInput,
  inboxListInput,
  inboxReadInput,
  projectRefSchema,
  ruleCreateInput,
  ruleRefInput,
  ruleUpdateInput,
  subscriptionsInput,
  ticketRefSchema,
  watchInput,
} from '@openase/shared';
import {
  createChannel,
  createRule,
  deleteChannel,
  listChannels,
  listDeliveries,
  listRules,
  testChannel,
  updateChannel,
  updateRule,
} from '../../notifications/channels.js';
import {
  getSubscriptions,
  isWatching,
  listInbox,
  markRead,
  setSubscriptions,
  setWatching,
  unreadCount,
} from '../../notifications/inbox.js';
import { adminProcedure, readProcedure, router, writeProcedure } from '../trpc.js';

export const notifyRouter = router({
  channels: readProcedure.query(({ ctx }) => listChannels(ctx.deps.db, ctx.actor)),
  createChannel: adminProcedure
    .input(channelCreateInput)
    .mutation(({ ctx, input }) => createChannel(ctx.deps, ctx.actor, input)),
  updateChannel: adminProcedure
    .input(channelUpdateInput)
    .mutation(({ ctx, input }) => updateChannel(ctx.deps, ctx.actor, input)),
  deleteChannel: adminProcedure
    .input(channelRefInput)
    .mutation(({ ctx, input }) => deleteChannel(ctx.deps, ctx.actor, input.channel)),
  /** Sends a test message now and answers with the receiver's response. */
  testChannel: adminProcedure
    .input(channelRefInput)
    .mutation(({ ctx, input }) => testChannel(ctx.deps, ctx.actor, input.channel)),
  deliveries: adminProcedure
    .input(deliveryListInput)
    .query(({ ctx, input }) => listDeliveries(ctx.deps.db, ctx.actor, input)),
  rules: readProcedure
    .input(z.object({ project: projectRefSchema }))
    .query(({ ctx, input }) => listRules(ctx.deps.db, ctx.actor, input.project)),
  createRule: adminProcedure
    .input(ruleCreateInput)
    .mutation(({ ctx, input }) => createRule(ctx.deps, ctx.actor, input)),
  updateRule: adminProcedure
    .input(ruleUpdateInput)
    .mutation(({ ctx, input }) => updateRule(ctx.deps, ctx.actor, input)),
  deleteRule: adminProcedure
    .input(ruleRefInput)
    .mutation(({ ctx, input }) => updateRule(ctx.deps, ctx.actor, { ...input, delete: true })),
});

export const inboxRouter = router({
  list: readProcedure.input(inboxListInput).query(({ ctx, input }) => listInbox(ctx.deps.db, ctx.actor, input)),
  read: writeProcedure.input(inboxReadInput).mutation(({ ctx, input }) => markRead(ctx.deps, ctx.actor, input.ids)),
  subscriptions: readProcedure.query(({ ctx }) => getSubscriptions(ctx.deps.db, ctx.actor)),
  setSubscriptions: writeProcedure
    .input(subscriptionsInput)
    .mutation(({ ctx, input }) => setSubscriptions(ctx.deps, ctx.actor, input)),
  watching: readProcedure
    .input(z.object({ ticket: ticketRefSchema }))
    .query(({ ctx, input }) => isWatching(ctx.deps.db, ctx.actor, input.ticket)),
  watch: writeProcedure
    .input(watchInput)
    .mutation(({ ctx, input }) => setWatching(ctx.deps, ctx.actor, input.ticket, input.watching)),
  /** The caller's unread count: now, then after every change to their inbox. */
  unread: readProcedure.subscription(async function* ({ ctx, signal }) {
    const userId = ctx.actor.userId;
    if (!userId) return;
    const changed = new EventEmitter();
    const stop = ctx.deps.bus.onInbox((ids) => {
      if (ids.includes(userId)) changed.emit('change');
    });
    try {
      yield { unread: await unreadCount(ctx.deps.db, userId) };
      for await (const _ of on(changed, 'change', { signal })) yield { unread: await unreadCount(ctx.deps.db, userId) };
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    } finally {
      stop();
    }
  }),
});
