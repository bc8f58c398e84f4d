import { z } from 'zod';
import {
  jobCreateInput,
  jobPreviewInput,
  jobRefInput,
  jobSetEnabledInput,
  jobShowInput,
  jobUpdateInput,
  projectRefSchema,
} from '@openase/shared';
import { createJob, deleteJob, listJobs, previewJob, setJobEnabled, showJob, updateJob } from '../../jobs/jobs.js';
import { runJobNow } from '../../jobs/fire.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';

export const jobsRouter = router({
  list: readProcedure
    .input(z.object({ project: projectRefSchema }))
    .query(({ ctx, input }) => listJobs(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: readProcedure.input(jobShowInput).query(({ ctx, input }) => showJob(ctx.deps, ctx.actor.orgId, input)),
  preview: readProcedure.input(jobPreviewInput).query(({ ctx, input }) => previewJob(ctx.deps, ctx.actor.orgId, input)),
  create: writeProcedure.input(jobCreateInput).mutation(({ ctx, input }) => createJob(ctx.deps, ctx.actor, input)),
  update: writeProcedure.input(jobUpdateInput).mutation(({ ctx, input }) => updateJob(ctx.deps, ctx.actor, input)),
  setEnabled: writeProcedure
    .input(jobSetEnabledInput)
    .mutation(({ ctx, input }) => setJobEnabled(ctx.deps, ctx.actor, input)),
  delete: writeProcedure.input(jobRefInput).mutation(({ ctx, input }) => deleteJob(ctx.deps, ctx.actor, input)),
  runNow: writeProcedure.input(jobRefInput).mutation(({ ctx, input }) => runJobNow(ctx.deps, ctx.actor, input)),
});
