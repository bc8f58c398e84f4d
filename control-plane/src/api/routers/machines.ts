import { z } from 'zod';
import { joinTokenCreateInput, machineNameSchema } from '@openase/shared';
import { createJoinToken, listMachines, revokeMachine } from '../../fleet/join.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

export const machinesRouter = router({
  list: readProcedure.query(({ ctx }) => listMachines(ctx.deps.db, ctx.actor.orgId)),
  createJoinToken: adminProcedure.input(joinTokenCreateInput).mutation(({ ctx, input }) => createJoinToken(ctx.deps, ctx.actor, input)),
  revoke: adminProcedure.input(z.object({ name: machineNameSchema })).mutation(({ ctx, input }) => revokeMachine(ctx.deps, ctx.actor, input.name)),
});
