import { API } from '@openase/shared';
import { createJob, deleteJob, listJobs, previewJob, setJobEnabled, showJob, updateJob } from '../../jobs/jobs.js';
import { runJobNow } from '../../jobs/fire.js';
import { proc, router } from '../trpc.js';

export const jobsRouter = router({
  list: proc(API.jobs.list).query(({ ctx, input }) => listJobs(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: proc(API.jobs.show).query(({ ctx, input }) => showJob(ctx.deps, ctx.actor.orgId, input)),
  preview: proc(API.jobs.preview).query(({ ctx, input }) => previewJob(ctx.deps, ctx.actor.orgId, input)),
  create: proc(API.jobs.create).mutation(({ ctx, input }) => createJob(ctx.deps, ctx.actor, input)),
  update: proc(API.jobs.update).mutation(({ ctx, input }) => updateJob(ctx.deps, ctx.actor, input)),
  setEnabled: proc(API.jobs.setEnabled).mutation(({ ctx, input }) => setJobEnabled(ctx.deps, ctx.actor, input)),
  delete: proc(API.jobs.delete).mutation(({ ctx, input }) => deleteJob(ctx.deps, ctx.actor, input)),
  runNow: proc(API.jobs.runNow).mutation(({ ctx, input }) => runJobNow(ctx.deps, ctx.actor, input)),
});
