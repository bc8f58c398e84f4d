/**
 * Scheduled jobs: create, edit, enable/disable, delete, list and show. Everything a fire needs
 * (cron, time zone, template placeholders, status and workflow names) is checked at save time, so
 * a broken job is refused with a clear error instead of failing at 9 a.m. Every change records an
 * activity entry.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import {
  badRequest,
  conflict,
  jobCreateInput,
  jobPreviewInput,
  jobRefInput,
  jobSetEnabledInput,
  jobShowInput,
  jobTemplateSchema,
  jobUpdateInput,
  notFound,
  renderTemplateText,
  templateProblems,
  type JobTemplate,
} from '@openase/shared';
import { jobFires, scheduledJobs } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { deleteRecorded, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deleted, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inProjectAs, projectInput, type ProjectNeed } from '../auth/project-write.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { resolveStatus } from '../statuses/statuses.js';
import { resolveWorkflow } from '../workflows/versions.js';
import { nextTimes, parseSchedule } from './schedule.js';

/** What each change here needs of the actor in its project (auth/project-write.ts). */
const CREATE_SCHEDULED_JOBS: ProjectNeed = { min: 'member', what: 'create scheduled jobs' };
const EDIT_SCHEDULED_JOBS: ProjectNeed = { min: 'member', what: 'edit scheduled jobs' };
const ENABLE_OR_DISABLE: ProjectNeed = { min: 'member', what: 'enable or disable scheduled jobs' };
const DELETE_SCHEDULED_JOBS: ProjectNeed = { min: 'member', what: 'delete scheduled jobs' };

export type ScheduledJob = typeof scheduledJobs.$inferSelect;
export type JobFire = typeof jobFires.$inferSelect;

export async function resolveJob(
  db: DbOrTx,
  projectId: string,
  name: string,
  opts: { lock?: boolean } = {},
): Promise<ScheduledJob> {
  const query = db
    .select()
    .from(scheduledJobs)
    .where(and(eq(scheduledJobs.projectId, projectId), sql`lower(${scheduledJobs.name}) = lower(${name.trim()})`));
  const [job] = opts.lock ? await query.for('update') : await query;
  if (!job) {
    const known = (
      await db.select({ name: scheduledJobs.name }).from(scheduledJobs).where(eq(scheduledJobs.projectId, projectId))
    ).map((j) => j.name);
    throw notFound(
      `scheduled job "${name}" does not exist in this project; ${known.length ? `known jobs: ${known.join(', ')}` : 'create one with `openase job create`'}`,
    );
  }
  return job;
}

/**
 * Checks a template against the project: placeholders (strict), the status and the workflow it
 * names. Throws one BAD_REQUEST listing every problem.
 */
export async function checkTemplate(db: DbOrTx, projectId: string, raw: unknown): Promise<JobTemplate> {
  const template = jobTemplateSchema.parse(raw);
  const problems = [
    ...templateProblems(template.title, 'title'),
    ...templateProblems(template.description, 'description'),
  ];
  if (template.status)
    await resolveStatus(db, projectId, template.status).catch((e: Error) => problems.push(`status: ${e.message}`));
  if (template.workflow)
    await resolveWorkflow(db, projectId, template.workflow).catch((e: Error) =>
      problems.push(`workflow: ${e.message}`),
    );
  if (problems.length) throw badRequest(`the ticket template is broken: ${problems.join('; ')}`);
  return template;
}

/** The activity actor of everything a job does by itself. */
export function jobActor(orgId: string, jobName: string): Actor {
  return { type: 'system', id: 'scheduled-job', name: `system:scheduled-job ${jobName}`, orgId, role: 'admin' };
}

function describeJob(job: ScheduledJob) {
  return {
    name: job.name,
    cron: job.cron,
    timeZone: job.timeZone,
    catchUp: job.catchUp,
    enabled: job.enabled,
    template: job.template,
  };
}

export async function createJob(deps: Deps, actor: Actor, raw: z.input<typeof jobCreateInput>): Promise<ScheduledJob> {
  const input = await projectInput(deps, actor, CREATE_SCHEDULED_JOBS, jobCreateInput, raw);
  const schedule = parseSchedule(input.cron, input.timeZone);
  return inProjectAs(deps, actor, CREATE_SCHEDULED_JOBS, input.project, async (tx, changes, project) => {
    const template = await checkTemplate(tx, project.id, input.template);
    await assertNameFree(tx, project.id, input.name);
    const now = deps.clock.now();
    const job = await insertNew(tx, deps, scheduledJobs, {
      projectId: project.id,
      name: input.name,
      cron: schedule.cron,
      timeZone: input.timeZone,
      template,
      enabled: input.enabled,
      catchUp: input.catchUp,
      nextFireAt: input.enabled ? schedule.next(now) : null,
      createdBy: actor.name,
      createdAt: now,
      updatedAt: now,
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'job.created',
      entityType: 'scheduled_job',
      entityId: job.id,
      summary: `created scheduled job ${job.name} (${job.cron}, ${job.timeZone})`,
      after: describeJob(job),
    });
    return job;
  });
}

async function assertNameFree(tx: Tx, projectId: string, name: string, exceptId?: string) {
  const [clash] = await tx
    .select({ id: scheduledJobs.id })
    .from(scheduledJobs)
    .where(and(eq(scheduledJobs.projectId, projectId), sql`lower(${scheduledJobs.name}) = lower(${name})`));
  if (clash && clash.id !== exceptId) throw conflict(`a scheduled job named "${name}" already exists in this project`);
}

export async function updateJob(deps: Deps, actor: Actor, raw: z.input<typeof jobUpdateInput>): Promise<ScheduledJob> {
  const input = await projectInput(deps, actor, EDIT_SCHEDULED_JOBS, jobUpdateInput, raw);
  return inProjectAs(deps, actor, EDIT_SCHEDULED_JOBS, input.project, async (tx, changes, project) => {
    const job = await resolveJob(tx, project.id, input.job, { lock: true });
    const schedule = parseSchedule(input.cron ?? job.cron, input.timeZone ?? job.timeZone);
    const template = input.template
      ? await checkTemplate(tx, project.id, input.template)
      : (job.template as JobTemplate);
    if (input.name) await assertNameFree(tx, project.id, input.name, job.id);
    const scheduleChanged = schedule.cron !== job.cron || schedule.timeZone !== job.timeZone;
    const now = deps.clock.now();
    const [updated] = await tx
      .update(scheduledJobs)
      .set({
        name: input.name ?? job.name,
        cron: schedule.cron,
        timeZone: schedule.timeZone,
        template,
        catchUp: input.catchUp ?? job.catchUp,
        // A new schedule starts from now: nothing of the old one is "missed".
        nextFireAt: job.enabled && scheduleChanged ? schedule.next(now) : job.nextFireAt,
        updatedAt: now,
      })
      .where(eq(scheduledJobs.id, job.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'job.updated',
      entityType: 'scheduled_job',
      entityId: job.id,
      summary: `updated scheduled job ${updated!.name}`,
      before: describeJob(job),
      after: describeJob(updated!),
    });
    return updated!;
  });
}

/** Enabling starts from now: times that passed while the job was disabled are not caught up. */
export const setJobEnabled: Command<typeof jobSetEnabledInput, ScheduledJob> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, ENABLE_OR_DISABLE, jobSetEnabledInput, raw);
  return inProjectAs(deps, actor, ENABLE_OR_DISABLE, input.project, async (tx, changes, project) => {
    const job = await resolveJob(tx, project.id, input.job, { lock: true });
    if (job.enabled === input.enabled) return job;
    const now = deps.clock.now();
    const nextFireAt = input.enabled ? parseSchedule(job.cron, job.timeZone).next(now) : null;
    const [updated] = await tx
      .update(scheduledJobs)
      .set({ enabled: input.enabled, nextFireAt, updatedAt: now })
      .where(eq(scheduledJobs.id, job.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: input.enabled ? 'job.enabled' : 'job.disabled',
      entityType: 'scheduled_job',
      entityId: job.id,
      summary: `${input.enabled ? 'enabled' : 'disabled'} scheduled job ${job.name}`,
      before: { enabled: job.enabled },
      after: { enabled: input.enabled, nextFireAt },
    });
    return updated!;
  });
};

export const deleteJob: Command<typeof jobRefInput, Deleted> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, DELETE_SCHEDULED_JOBS, jobRefInput, raw);
  return inProjectAs(deps, actor, DELETE_SCHEDULED_JOBS, input.project, async (tx, changes, project) => {
    const job = await resolveJob(tx, project.id, input.job, { lock: true });
    return deleteRecorded(tx, deps, changes, actor, scheduledJobs, job, {
      projectId: project.id,
      action: 'job.deleted',
      entityType: 'scheduled_job',
      summary: `deleted scheduled job ${job.name}`,
      before: describeJob(job),
    });
  });
};

export async function listJobs(db: DbOrTx, orgId: string, projectRef: string): Promise<ScheduledJob[]> {
  const project = await resolveProject(db, orgId, projectRef);
  return db
    .select()
    .from(scheduledJobs)
    .where(eq(scheduledJobs.projectId, project.id))
    .orderBy(asc(scheduledJobs.name));
}

/** A job with its coming fire times and its recent fires (newest first). */
export async function showJob(deps: Pick<Deps, 'db' | 'clock'>, orgId: string, raw: z.input<typeof jobShowInput>) {
  const input = jobShowInput.parse(raw);
  const project = await resolveProject(deps.db, orgId, input.project);
  const job = await resolveJob(deps.db, project.id, input.job);
  const upcoming =
    job.enabled && job.nextFireAt
      ? [
          job.nextFireAt,
          ...nextTimes(parseSchedule(job.cron, job.timeZone), job.nextFireAt, Math.max(0, input.nextCount - 1)),
        ].slice(0, input.nextCount)
      : [];
  const fires = await deps.db
    .select()
    .from(jobFires)
    .where(eq(jobFires.jobId, job.id))
    .orderBy(desc(jobFires.firedAt))
    .limit(input.fireLimit);
  return { job, upcoming, fires };
}

/** Checks a schedule and template without saving; the console's form uses it as you type. */
export async function previewJob(
  deps: Pick<Deps, 'db' | 'clock'>,
  orgId: string,
  raw: z.input<typeof jobPreviewInput>,
) {
  const input = jobPreviewInput.parse(raw);
  const project = await resolveProject(deps.db, orgId, input.project);
  const schedule = parseSchedule(input.cron, input.timeZone);
  const upcoming = nextTimes(schedule, deps.clock.now(), input.count);
  const template = input.template ? await checkTemplate(deps.db, project.id, input.template) : null;
  const firstTitle =
    template && upcoming[0]
      ? renderTemplateText(template.title, { at: upcoming[0], timeZone: input.timeZone, jobName: input.name })
      : null;
  return { upcoming, firstTitle };
}
