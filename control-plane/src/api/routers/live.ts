import { tracked } from '@trpc/server';
import { z } from 'zod';
import { streamOrgChanges } from '../../activity/live-changes.js';
import { readProcedure, router } from '../trpc.js';

export const liveRouter = router({
  /**
   * Every committed change of the caller's organization, in one stream (a browser tab opens
   * exactly this one). Resumable: the client sends back the last event id it saw.
   */
  changes: readProcedure
    .input(z.object({ lastEventId: z.string().nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const { cursor, event } of streamOrgChanges(
        ctx.deps,
        { orgId: ctx.actor.orgId, after: input?.lastEventId ?? null },
        signal,
      )) {
        yield tracked(cursor, event);
      }
    }),
});
