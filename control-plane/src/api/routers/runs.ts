import { API } from '@openase/shared';
import { tracked } from '@trpc/server';
import { steerRun } from '../../orchestrator/steering.js';
import { getRun, listRunEvents, listRuns, requestCancel, runDetail, startCommandRun } from '../../runs/runs.js';
import { streamRunEvents } from '../../runs/stream.js';
import { decideApproval, type Decided } from '../../orchestrator/approvals.js';
import { proc, router, type ApiContext } from '../trpc.js';

/** The daemon holding the run answers the waiting CLI request (a reconnecting daemon asks again and gets it then). */
function sendDecision(ctx: ApiContext, decided: Decided) {
  if (decided.machineId) ctx.fleet?.command(decided.machineId, decided.frame);
  return decided.approval;
}

export const runsRouter = router({
  /** Starts a plain command on a machine (queued until the machine has a free slot). */
  start: proc(API.runs.start).mutation(async ({ ctx, input }) => {
    const run = await startCommandRun(ctx.deps, ctx.actor, input);
    if (run.machineId) await ctx.fleet?.dispatch(run.machineId);
    return run;
  }),
  show: proc(API.runs.show).query(({ ctx, input }) => runDetail(ctx.deps.db, ctx.actor.orgId, input.run)),
  list: proc(API.runs.list).query(({ ctx, input }) => listRuns(ctx.deps.db, ctx.actor.orgId, input)),
  /** Stored events after `afterSeq` (pages of a transcript). */
  events: proc(API.runs.events).query(({ ctx, input }) => listRunEvents(ctx.deps.db, ctx.actor.orgId, input)),
  /** Live events of a run, resumable with `lastEventId` (the last seen seq); ends when the run has ended. */
  onEvents: proc(API.runs.onEvents).subscription(async function* ({ ctx, input, signal }) {
    const afterSeq = Number.parseInt(input.lastEventId ?? '0', 10) || 0;
    const { id: runId } = await getRun(ctx.deps.db, ctx.actor.orgId, input.run);
    for await (const e of streamRunEvents(ctx.deps, ctx.actor.orgId, { runId, afterSeq }, signal))
      yield tracked(String(e.seq), e);
  }),
  /** A tool call waiting for a person (harness tools.ask) may go ahead (member role). */
  approve: proc(API.runs.approve).mutation(async ({ ctx, input }) =>
    sendDecision(ctx, await decideApproval(ctx.deps, ctx.actor, input, true)),
  ),
  /** Refuses a waiting tool call; the agent is told the reason (member role). */
  decline: proc(API.runs.decline).mutation(async ({ ctx, input }) =>
    sendDecision(ctx, await decideApproval(ctx.deps, ctx.actor, input, false)),
  ),
  /** A person's message to a live agent run: the next turn's input (or at once, interrupting the turn). */
  steer: proc(API.runs.steer).mutation(async ({ ctx, input }) => {
    const steered = await steerRun(ctx.deps, ctx.actor, input);
    if (steered.interrupt && steered.machineId) ctx.fleet?.command(steered.machineId, steered.interrupt);
    return { queued: steered.queued, interrupted: !!steered.interrupt };
  }),
  cancel: proc(API.runs.cancel).mutation(async ({ ctx, input }) => {
    const run = await requestCancel(ctx.deps, ctx.actor, input.run);
    if (run.machineId && run.state !== 'canceled')
      ctx.fleet?.command(run.machineId, {
        type: 'run.cancel',
        runId: run.id,
        leaseEpoch: run.leaseEpoch,
        graceMs: 10_000,
      });
    return run;
  }),
});
