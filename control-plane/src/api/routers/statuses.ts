import { API } from '@openase/shared';
import { createStatus, deleteStatus, listStatuses, moveStatus, updateStatus } from '../../statuses/statuses.js';
import { proc, projectListQuery, router } from '../trpc.js';

export const statusesRouter = router({
  list: proc(API.statuses.list).query(projectListQuery(listStatuses)),
  create: proc(API.statuses.create).mutation(({ ctx, input }) => createStatus(ctx.deps, ctx.actor, input)),
  update: proc(API.statuses.update).mutation(({ ctx, input }) => updateStatus(ctx.deps, ctx.actor, input)),
  move: proc(API.statuses.move).mutation(({ ctx, input }) => moveStatus(ctx.deps, ctx.actor, input)),
  delete: proc(API.statuses.delete).mutation(({ ctx, input }) => deleteStatus(ctx.deps, ctx.actor, input)),
});
