import { z } from 'zod';
import { CLOSE_CODES, joinTokenCreateInput, machineNameSchema } from '@openase/shared';
import { createJoinToken, revokeMachine } from '../../fleet/join.js';
import { fleetThresholds, fleetView, showMachine } from '../../fleet/status.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

export const machinesRouter = router({
  /** The fleet view: every machine with status, slots used/total, CLIs; and totals. */
  list: readProcedure.query(({ ctx }) => fleetView(ctx.deps.db, ctx.actor.orgId, ctx.deps.clock.now(), ctx.fleet?.thresholds ?? fleetThresholds(), ctx.fleet?.startedAt)),
  show: readProcedure.input(z.object({ name: machineNameSchema })).query(({ ctx, input }) => showMachine(ctx.deps.db, ctx.actor.orgId, input.name, ctx.deps.clock.now(), ctx.fleet?.thresholds ?? fleetThresholds(), ctx.fleet?.startedAt)),
  createJoinToken: adminProcedure.input(joinTokenCreateInput).mutation(({ ctx, input }) => createJoinToken(ctx.deps, ctx.actor, input)),
  revoke: adminProcedure.input(z.object({ name: machineNameSchema })).mutation(async ({ ctx, input }) => {
    const machine = await revokeMachine(ctx.deps, ctx.actor, input.name);
    ctx.fleet?.disconnect(machine.id, CLOSE_CODES.revoked, `machine ${machine.name} was revoked`);
    return machine;
  }),
});
