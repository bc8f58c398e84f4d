import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  runDecideInput,
  runSteerInput,
  runEventsInput,
  runListInput,
  runRefInput,
  runStartInput,
} from '@openase/shared';
import { decideApproval, type Decided } from '../../orchestrator/approvals.js';
import { steerRun } from '../../orchestrator/steering.js';
import { listRunEvents, listRuns, requestCancel, runDetail, startCommandRun } from '../../runs/runs.js';
import { streamRunEvents } from '../../runs/stream.js';
import { readProcedure, router, writeProcedure, type ApiContext } from '../trpc.js';

/** The daemon holding the run answers the waiting CLI request (a reconnecting daemon asks again and gets it then). */
function sendDecision(ctx: ApiContext, decided: Decided) {
  if (decided.machineId) ctx.fleet?.send(decided.machineId, decided.frame);
  return decided.approval;
}

export const runsRouter = router({
  /** Starts a plain command on a machine (queued until the machine has a free slot). */
  start: writeProcedure.input(runStartInput).mutation(async ({ ctx, input }) => {
    const run = await startCommandRun(ctx.deps, ctx.actor, input);
    if (run.machineId) await ctx.fleet?.dispatch(run.machineId);
    return run;
  }),
  show: readProcedure.input(runRefInput).query(({ ctx, input }) => runDetail(ctx.deps.db, ctx.actor.orgId, input.run)),
  list: readProcedure.input(runListInput).query(({ ctx, input }) => listRuns(ctx.deps.db, ctx.actor.orgId, input)),
  /** Stored events after `afterSeq` (pages of a transcript). */
  events: readProcedure
    .input(runEventsInput)
    .query(({ ctx, input }) => listRunEvents(ctx.deps.db, ctx.actor.orgId, input)),
  /** Live events of a run, resumable with `lastEventId` (the last seen seq); ends when the run has ended. */
  onEvents: readProcedure
    .input(z.object({ run: runRefInput.shape.run, lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const afterSeq = Number.parseInt(input.lastEventId ?? '0', 10) || 0;
      for await (const e of streamRunEvents(ctx.deps, ctx.actor.orgId, { runId: input.run, afterSeq }, signal))
        yield tracked(String(e.seq), e);
    }),
  /** A tool call waiting for a person (harness tools.ask) may go ahead (member role). */
  approve: writeProcedure
    .input(runDecideInput)
    .mutation(async ({ ctx, input }) => sendDecision(ctx, await decideApproval(ctx.deps, ctx.actor, input, true))),
  /** Refuses a waiting tool call; the agent is told the reason (member role). */
  decline: writeProcedure
    .input(runDecideInput)
    .mutation(async ({ ctx, input }) => sendDecision(ctx, await decideApproval(ctx.deps, ctx.actor, input, false))),
  /** A person's message to a live agent run: the next turn's input (or at once, interrupting the turn). */
  steer: writeProcedure.input(runSteerInput).mutation(async ({ ctx, input }) => {
    const steered = await steerRun(ctx.deps, ctx.actor, input);
    if (steered.interrupt && steered.machineId) ctx.fleet?.send(steered.machineId, steered.interrupt);
    return { queued: steered.queued, interrupted: !!steered.interrupt };
  }),
  cancel: writeProcedure.input(runRefInput).mutation(async ({ ctx, input }) => {
    const run = await requestCancel(ctx.deps, ctx.actor, input.run);
    if (run.machineId && run.state !== 'canceled')
      ctx.fleet?.send(run.machineId, {
        type: 'run.cancel',
        runId: run.id,
        leaseEpoch: run.leaseEpoch,
        graceMs: 10_000,
      });
    return run;
  }),
});
