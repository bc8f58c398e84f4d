import { z } from 'zod';
import {
  projectRefSchema,
  statusCreateInput,
  statusDeleteInput,
  statusMoveInput,
  statusUpdateInput,
} from '@openase/shared';
import { resolveProject } from '../../projects/projects.js';
import { createStatus, deleteStatus, listStatuses, moveStatus, updateStatus } from '../../statuses/statuses.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';

export const statusesRouter = router({
  list: readProcedure.input(z.object({ project: projectRefSchema })).query(async ({ ctx, input }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    return listStatuses(ctx.deps.db, project.id);
  }),
  create: writeProcedure
    .input(statusCreateInput)
    .mutation(({ ctx, input }) => createStatus(ctx.deps, ctx.actor, input)),
  update: writeProcedure
    .input(statusUpdateInput)
    .mutation(({ ctx, input }) => updateStatus(ctx.deps, ctx.actor, input)),
  move: writeProcedure.input(statusMoveInput).mutation(({ ctx, input }) => moveStatus(ctx.deps, ctx.actor, input)),
  delete: writeProcedure
    .input(statusDeleteInput)
    .mutation(({ ctx, input }) => deleteStatus(ctx.deps, ctx.actor, input)),
});
