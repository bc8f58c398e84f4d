import { API } from '@openase/shared';
import { tracked } from '@trpc/server';
import { roleAtLeast } from '@openase/shared';
import { streamOrgChanges } from '../../activity/live-changes.js';
import { proc, router } from '../trpc.js';

const PRIVATE = /^(auth|token|invitation|settings|notification|member)\./;

export const liveRouter = router({
  /**
   * Every committed change of the caller's organization, in one stream (a browser tab opens
   * exactly this one). Resumable: the client sends back the last event id it saw.
   */
  changes: proc(API.live.changes).subscription(async function* ({ ctx, input, signal }) {
    const admin = roleAtLeast(ctx.actor.role, 'admin');
    for await (const { cursor, event } of streamOrgChanges(
      ctx.deps,
      { orgId: ctx.actor.orgId, after: input?.lastEventId ?? null },
      signal,
    )) {
      // Sign-ins (with addresses), tokens, invitations, people's roles and settings are the audit trail's: admins only.
      if (!admin && event.kind === 'change' && !event.change.projectId && PRIVATE.test(event.change.action)) continue;
      yield tracked(cursor, event);
    }
  }),
});
