import { API } from '@openase/shared';
import { on } from 'node:events';
import { EventEmitter } from 'node:events';
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
import { proc, router } from '../trpc.js';

export const notifyRouter = router({
  channels: proc(API.notify.channels).query(({ ctx }) => listChannels(ctx.deps.db, ctx.actor)),
  createChannel: proc(API.notify.createChannel).mutation(({ ctx, input }) => createChannel(ctx.deps, ctx.actor, input)),
  updateChannel: proc(API.notify.updateChannel).mutation(({ ctx, input }) => updateChannel(ctx.deps, ctx.actor, input)),
  deleteChannel: proc(API.notify.deleteChannel).mutation(({ ctx, input }) =>
    deleteChannel(ctx.deps, ctx.actor, input.channel),
  ),
  /** Sends a test message now and answers with the receiver's response. */
  testChannel: proc(API.notify.testChannel).mutation(({ ctx, input }) =>
    testChannel(ctx.deps, ctx.actor, input.channel),
  ),
  deliveries: proc(API.notify.deliveries).query(({ ctx, input }) => listDeliveries(ctx.deps.db, ctx.actor, input)),
  rules: proc(API.notify.rules).query(({ ctx, input }) => listRules(ctx.deps.db, ctx.actor, input.project)),
  createRule: proc(API.notify.createRule).mutation(({ ctx, input }) => createRule(ctx.deps, ctx.actor, input)),
  updateRule: proc(API.notify.updateRule).mutation(({ ctx, input }) => updateRule(ctx.deps, ctx.actor, input)),
  deleteRule: proc(API.notify.deleteRule).mutation(({ ctx, input }) =>
    updateRule(ctx.deps, ctx.actor, { ...input, delete: true }),
  ),
});

export const inboxRouter = router({
  list: proc(API.inbox.list).query(({ ctx, input }) => listInbox(ctx.deps.db, ctx.actor, input)),
  read: proc(API.inbox.read).mutation(({ ctx, input }) => markRead(ctx.deps, ctx.actor, input.ids)),
  subscriptions: proc(API.inbox.subscriptions).query(({ ctx }) => getSubscriptions(ctx.deps.db, ctx.actor)),
  setSubscriptions: proc(API.inbox.setSubscriptions).mutation(({ ctx, input }) =>
    setSubscriptions(ctx.deps, ctx.actor, input),
  ),
  watching: proc(API.inbox.watching).query(({ ctx, input }) => isWatching(ctx.deps.db, ctx.actor, input.ticket)),
  watch: proc(API.inbox.watch).mutation(({ ctx, input }) =>
    setWatching(ctx.deps, ctx.actor, input.ticket, input.watching),
  ),
  /** The caller's unread count: now, then after every change to their inbox. */
  unread: proc(API.inbox.unread).subscription(async function* ({ ctx, signal }) {
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
