/**
 * One fire of a scheduled job: the `job_fires` row and the ticket are written in ONE transaction.
 * The row's UNIQUE(job_id, scheduled_for) decides between control planes racing for the same
 * scheduled time: the loser's insert finds the winner's row (ON CONFLICT DO NOTHING, after
 * waiting for the winner's commit on PostgreSQL) and creates nothing. A fire that cannot create
 * its ticket (a status deleted since, a title too long once rendered) is recorded with its error.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { jobRefInput, renderTemplateText, ticketCreateInput, type JobTemplate } from '@openase/shared';
import { jobFires, projects, scheduledJobs } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { requireRoleIn } from '../auth/permissions.js';
import { memberInput } from '../auth/project-write.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { insertTicket } from '../tickets/tickets.js';
import { resolveWorkflow } from '../workflows/versions.js';
import { jobActor, resolveJob, type JobFire, type ScheduledJob } from './jobs.js';
import type { Schedule } from './schedule.js';

export type FireTrigger = JobFire['trigger'];

export interface FireRequest {
  /** The scheduled time this fire is for; null for a manual "run now". */
  scheduledFor: Date | null;
  trigger: FireTrigger;
  /** For a catch-up fire: how many scheduled times it stands for. */
  missedCount?: number;
  /** The job's schedule: the fire moves `next_fire_at` past `scheduledFor`. */
  schedule?: Schedule;
}

export type FireOutcome =
  | { kind: 'fired'; fire: JobFire; ticket: { id: string; identifier: string } }
  | { kind: 'failed'; fire: JobFire | null; error: string }
  /** Another control plane already fired this scheduled time. */
  | { kind: 'taken' };

export async function fireJob(
  deps: Deps,
  job: ScheduledJob,
  request: FireRequest,
  requestedBy?: Actor,
): Promise<FireOutcome> {
  try {
    return await inTransaction(deps, async (tx, changes) => {
      const fire = await insertFire(tx, deps, job, request, null);
      if (!fire) return { kind: 'taken' } as const;
      const orgId = await projectOrg(tx, job.projectId);
      const actor = jobActor(orgId, job.name);
      const ticket = await createTicketFromTemplate(
        tx,
        deps,
        changes,
        actor,
        job,
        request.scheduledFor ?? fire.firedAt,
      );
      const [done] = await tx
        .update(jobFires)
        .set({ ticketId: ticket.id, ticketIdentifier: ticket.identifier })
        .where(eq(jobFires.id, fire.id))
        .returning();
      await advanceJob(tx, deps, job, request);
      await recordActivity(tx, deps, changes, actor, {
        projectId: job.projectId,
        ticketId: ticket.id,
        action: 'job.fired',
        entityType: 'scheduled_job',
        entityId: job.id,
        summary: `${describeFire(job, request, requestedBy)} created ${ticket.identifier}`,
        after: {
          trigger: request.trigger,
          scheduledFor: request.scheduledFor,
          ticket: ticket.identifier,
          missedCount: request.missedCount ?? null,
          requestedBy: requestedBy?.name ?? null,
        },
      });
      return { kind: 'fired', fire: done!, ticket: { id: ticket.id, identifier: ticket.identifier } } as const;
    });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return recordFailedFire(deps, job, request, error, requestedBy);
  }
}

/** Fires a job now, whatever its schedule (and even when disabled): the console's "Run now". */
export async function runJobNow(deps: Deps, actor: Actor, raw: z.input<typeof jobRefInput>): Promise<FireOutcome> {
  const input = await memberInput(deps, actor, 'run scheduled jobs', jobRefInput, raw);
  const project = await resolveProject(deps.db, actor.orgId, input.project);
  await requireRoleIn(deps.db, actor, project.id, 'member', 'run scheduled jobs');
  const job = await resolveJob(deps.db, project.id, input.job);
  return fireJob(deps, job, { scheduledFor: null, trigger: 'manual' }, actor);
}

async function insertFire(
  tx: Tx,
  deps: Deps,
  job: ScheduledJob,
  request: FireRequest,
  error: string | null,
): Promise<JobFire | null> {
  const [fire] = await tx
    .insert(jobFires)
    .values({
      id: deps.ids.uuid(),
      jobId: job.id,
      scheduledFor: request.scheduledFor,
      trigger: request.trigger,
      firedAt: deps.clock.now(),
      error,
    })
    .onConflictDoNothing()
    .returning();
  return fire ?? null;
}

async function recordFailedFire(
  deps: Deps,
  job: ScheduledJob,
  request: FireRequest,
  error: string,
  requestedBy?: Actor,
): Promise<FireOutcome> {
  return inTransaction(deps, async (tx, changes) => {
    // The job may have been deleted meanwhile: then there is nothing to record against.
    const [exists] = await tx.select({ id: scheduledJobs.id }).from(scheduledJobs).where(eq(scheduledJobs.id, job.id));
    if (!exists) return { kind: 'failed', fire: null, error } as const;
    const fire = await insertFire(tx, deps, job, request, error);
    if (!fire) return { kind: 'taken' } as const;
    await advanceJob(tx, deps, job, request);
    await recordActivity(tx, deps, changes, jobActor(await projectOrg(tx, job.projectId), job.name), {
      projectId: job.projectId,
      action: 'job.fire_failed',
      entityType: 'scheduled_job',
      entityId: job.id,
      summary: `${describeFire(job, request, requestedBy)} failed: ${error}`,
      after: { trigger: request.trigger, scheduledFor: request.scheduledFor, error },
    });
    return { kind: 'failed', fire, error } as const;
  });
}

async function createTicketFromTemplate(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  job: ScheduledJob,
  at: Date,
) {
  const template = job.template as JobTemplate;
  const context = { at, timeZone: job.timeZone, jobName: job.name };
  const input = ticketCreateInput.parse({
    project: job.projectId,
    title: renderTemplateText(template.title, context),
    description: renderTemplateText(template.description, context),
    status: template.status,
    priority: template.priority,
    labels: template.labels,
  });
  const workflow = template.workflow ? await resolveWorkflow(tx, job.projectId, template.workflow) : null;
  return insertTicket(tx, deps, changes, actor, job.projectId, input, { workflowId: workflow?.id ?? null });
}

/** Records the fire on the job and moves `next_fire_at` past a scheduled time (never backwards). */
async function advanceJob(tx: Tx, deps: Deps, job: ScheduledJob, request: FireRequest) {
  const next = request.scheduledFor && request.schedule ? request.schedule.next(request.scheduledFor) : null;
  await tx
    .update(scheduledJobs)
    .set({
      lastFireAt: deps.clock.now(),
      ...(next
        ? {
            nextFireAt: sql`case when ${scheduledJobs.enabled} then greatest(${scheduledJobs.nextFireAt}, ${next.toISOString()}::timestamptz) else null end`,
          }
        : {}),
    })
    .where(and(eq(scheduledJobs.id, job.id)));
}

export async function projectOrg(tx: Tx, projectId: string): Promise<string> {
  const [project] = await tx.select({ orgId: projects.orgId }).from(projects).where(eq(projects.id, projectId));
  return project!.orgId;
}

function describeFire(job: ScheduledJob, request: FireRequest, requestedBy?: Actor): string {
  if (request.trigger === 'manual') return `run of ${job.name} requested by ${requestedBy?.name ?? 'someone'}`;
  const when = request.scheduledFor!.toISOString();
  if (request.trigger === 'catch-up')
    return `catch-up fire of ${job.name} for ${request.missedCount ?? 1} missed time(s) up to ${when}`;
  return `scheduled fire of ${job.name} for ${when}`;
}
