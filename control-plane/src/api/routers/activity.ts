import { API } from '@openase/shared';
import { tracked } from '@trpc/server';
import { activityPage } from '../../activity/activity.js';
import { streamProjectActivity } from '../../activity/stream.js';
import { resolveProject } from '../../kernel/resolve-project.js';
import { resolveTicket } from '../../tickets/tickets.js';
import { proc, router } from '../trpc.js';

export const activityRouter = router({
  list: proc(API.activity.list).query(async ({ ctx, input }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    const ticket = input.ticket ? await resolveTicket(ctx.deps.db, ctx.actor.orgId, input.ticket) : null;
    return activityPage(ctx.deps.db, {
      projectId: project.id,
      ticketId: ticket?.id,
      afterSeq: input.afterSeq,
      cursor: input.cursor,
      limit: input.limit,
    });
  }),
  /** Live activity of a project; resumes after `lastEventId` (the last seen seq). */
  onProject: proc(API.activity.onProject).subscription(async function* ({ ctx, input, signal }) {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    const ticket = input.ticket ? await resolveTicket(ctx.deps.db, ctx.actor.orgId, input.ticket) : null;
    const afterSeq = Number.parseInt(input.lastEventId ?? '0', 10) || 0;
    for await (const entry of streamProjectActivity(
      ctx.deps,
      { projectId: project.id, afterSeq, ticketId: ticket?.id },
      signal,
    )) {
      yield tracked(String(entry.seq), entry);
    }
  }),
});
