/** Scheduled jobs and each time they fired. */
import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { JOB_CATCH_UP_POLICIES, JOB_FIRE_TRIGGERS } from '@openase/shared';
import { tstz, timestamps, ownedRow } from './columns.js';
import { projects } from './projects.js';
import { tickets } from './tickets.js';

/**
 * Scheduled jobs: a cron expression evaluated in an IANA time zone creates a ticket from a
 * template (see docs/jobs.md). `next_fire_at` is the first scheduled time not yet handled; the
 * leader's scheduler picks jobs whose time has come.
 */
export const scheduledJobs = pgTable(
  'scheduled_jobs',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    cron: text('cron').notNull(),
    timeZone: text('time_zone').notNull(),
    /** { title, description, status, priority, labels, workflow }: validated at save time. */
    template: jsonb('template').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** What happens to times missed while no control plane ran: `skip` or `once`. */
    catchUp: text('catch_up', { enum: JOB_CATCH_UP_POLICIES }).notNull().default('skip'),
    /** Null while disabled. */
    nextFireAt: tstz('next_fire_at'),
    lastFireAt: tstz('last_fire_at'),
    createdBy: text('created_by').notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('scheduled_jobs_project_name').on(t.projectId, sql`lower(${t.name})`),
    index('scheduled_jobs_next_fire').on(t.nextFireAt),
  ],
);

/**
 * One row per fire. UNIQUE(job, scheduled_for) is what makes a scheduled time fire exactly once
 * even when several control planes race: the row and the ticket are written in one transaction,
 * and the loser's insert conflicts. Manual "run now" fires have no scheduled time (null).
 */
export const jobFires = pgTable(
  'job_fires',
  {
    ...ownedRow('jobId', () => scheduledJobs.id),
    scheduledFor: tstz('scheduled_for'),
    /** `schedule` (on time), `catch-up` (once for times missed during downtime) or `manual` (run now). */
    trigger: text('trigger', { enum: JOB_FIRE_TRIGGERS }).notNull(),
    firedAt: tstz('fired_at').notNull(),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    ticketIdentifier: text('ticket_identifier'),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('job_fires_job_scheduled').on(t.jobId, t.scheduledFor),
    index('job_fires_job_fired').on(t.jobId, t.firedAt),
  ],
);
