/**
 * The scheduler: on the leader only, every `intervalMs` it picks the enabled jobs whose next fire
 * time has come and fires them (fire.ts). Scheduled times within `graceMs` of now are on time;
 * older ones were missed while no control plane ran and follow the job's catch-up policy:
 * `skip` records that they were skipped, `once` fires one ticket standing for all of them.
 *
 * Correctness does not depend on there being one leader: a fire is decided by the unique key of
 * `job_fires`, and skipping is a conditional update of `next_fire_at`.
 */
import { and, asc, eq, lte } from 'drizzle-orm';
import { scheduledJobs } from '../db/schema.js';
import { recordActivity } from '../activity/activity.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { jobActor, type ScheduledJob } from './jobs.js';
import { fireJob, projectOrg, type FireOutcome } from './fire.js';
import { errField, type Logger } from '../kernel/logger.js';
import { dueTimes, parseSchedule, type DueTimes, type Schedule } from './schedule.js';

export interface SchedulerOptions {
  isLeader: () => boolean;
  /** How often the leader looks for due jobs (default 1 s: per-second schedules work). */
  intervalMs?: number;
  /** How late a scheduled time may be and still count as on time (default 2 min). */
  graceMs?: number;
}

export const DEFAULT_GRACE_MS = 120_000;

/** What one pass did, for logs and tests. */
export interface TickReport {
  fired: number;
  failed: number;
  taken: number;
  skipped: number;
}

export class JobScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: Deps,
    private readonly opts: SchedulerOptions,
  ) {
    this.log = deps.log.child({ component: 'jobs' });
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = (this.opts.isLeader() ? this.tick() : Promise.resolve())
        .catch((err: Error) => this.log.error(errField(err), `[jobs] scheduler pass failed: ${err.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs ?? 1000);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the due jobs at the clock's current time. */
  async tick(): Promise<TickReport> {
    const now = this.deps.clock.now();
    const report: TickReport = { fired: 0, failed: 0, taken: 0, skipped: 0 };
    const due = await this.deps.db
      .select()
      .from(scheduledJobs)
      .where(and(eq(scheduledJobs.enabled, true), lte(scheduledJobs.nextFireAt, now)))
      .orderBy(asc(scheduledJobs.nextFireAt))
      .limit(200);
    for (const job of due) {
      try {
        await this.runJob(job, now, report);
      } catch (err) {
        this.log.error({ job: job.name, ...errField(err) }, `[jobs] ${job.name}: ${(err as Error).message}`);
      }
    }
    return report;
  }

  private async runJob(job: ScheduledJob, now: Date, report: TickReport): Promise<void> {
    const schedule = parseSchedule(job.cron, job.timeZone);
    const times = dueTimes(schedule, job.nextFireAt!, now, this.opts.graceMs ?? DEFAULT_GRACE_MS);
    if (times.missed.last) {
      if (job.catchUp === 'once') {
        this.count(
          report,
          job,
          await fireJob(this.deps, job, {
            scheduledFor: times.missed.last,
            trigger: 'catch-up',
            missedCount: times.missed.count,
            schedule,
          }),
        );
      } else if (await skipMissed(this.deps, job, times, schedule)) {
        report.skipped += times.missed.count;
        this.log.info(
          { job: job.name },
          `[jobs] ${job.name}: skipped ${times.missed.count}${times.missed.capped ? '+' : ''} scheduled time(s) missed while no control plane ran (catch-up policy: skip)`,
        );
      } else return; // another control plane handled this job meanwhile
    }
    for (const time of times.onTime)
      this.count(report, job, await fireJob(this.deps, job, { scheduledFor: time, trigger: 'schedule', schedule }));
  }

  private count(report: TickReport, job: ScheduledJob, outcome: FireOutcome) {
    if (outcome.kind === 'fired') {
      report.fired++;
      this.log.info(
        { job: job.name, ticket: outcome.ticket.identifier },
        `[jobs] ${job.name} fired${outcome.fire.scheduledFor ? ` for ${outcome.fire.scheduledFor.toISOString()}` : ''}: created ${outcome.ticket.identifier}`,
      );
    } else if (outcome.kind === 'taken') report.taken++;
    else {
      report.failed++;
      this.log.warn({ job: job.name }, `[jobs] ${job.name}: fire failed: ${outcome.error}`);
    }
  }
}

/** Moves `next_fire_at` past the missed times, once (conditional on it being unchanged). */
async function skipMissed(deps: Deps, job: ScheduledJob, times: DueTimes, schedule: Schedule): Promise<boolean> {
  const missed = times.missed;
  return inTransaction(deps, async (tx, changes) => {
    const [moved] = await tx
      .update(scheduledJobs)
      .set({ nextFireAt: schedule.next(missed.last!) })
      .where(and(eq(scheduledJobs.id, job.id), eq(scheduledJobs.nextFireAt, job.nextFireAt!)))
      .returning({ id: scheduledJobs.id });
    if (!moved) return false;
    await recordActivity(tx, deps, changes, jobActor(await projectOrg(tx, job.projectId), job.name), {
      projectId: job.projectId,
      action: 'job.fires_skipped',
      entityType: 'scheduled_job',
      entityId: job.id,
      summary: `skipped ${missed.count}${missed.capped ? '+' : ''} scheduled time(s) of ${job.name} missed while no control plane ran (${missed.first!.toISOString()} … ${missed.last!.toISOString()})`,
      after: { count: missed.count, capped: missed.capped, first: missed.first, last: missed.last },
    });
    return true;
  });
}
