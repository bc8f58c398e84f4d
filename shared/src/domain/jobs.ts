import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { prioritySchema } from './enums.js';
import { labelsSchema, projectRefSchema } from './inputs.js';

/** Scheduled jobs (docs/jobs.md): API inputs shared by the control plane, the CLI and the console. */
export const JOB_CATCH_UP_POLICIES = ['skip', 'once'] as const;
export const jobCatchUpSchema = z.enum(JOB_CATCH_UP_POLICIES);
export type JobCatchUp = z.infer<typeof jobCatchUpSchema>;
export const JOB_FIRE_TRIGGERS = ['schedule', 'catch-up', 'manual'] as const;
export type JobFireTrigger = (typeof JOB_FIRE_TRIGGERS)[number];
/** What made a job fire, in words (the console's fire history): never `catch-up` or `manual`. */
export const JOB_FIRE_TRIGGER_WORDS: Readonly<Record<JobFireTrigger, string>> = {
  schedule: 'on schedule',
  'catch-up': 'catching up after downtime',
  manual: 'run now, by hand',
};

const jobName = z
  .string()
  .trim()
  .min(1, 'a job needs a name')
  .max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/,
    'letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit',
  );
const cronSchema = z.string().trim().min(1, 'a cron expression is required, e.g. "0 9 * * 1-5"').max(200);
const timeZoneSchema = z.string().trim().min(1, 'a time zone is required, e.g. Europe/Berlin').max(100);

/** The ticket a fire creates. Title and description may hold placeholders like {{date}}. */
export const jobTemplateSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'the template needs a title')
    .max(LIMITS.titleMax, `a title has at most ${LIMITS.titleMax} characters`),
  description: z.string().max(LIMITS.descriptionMax).default(''),
  /** Status name; the project's default status when absent. */
  status: z.string().trim().min(1).max(LIMITS.nameMax).optional(),
  priority: prioritySchema.default('none'),
  labels: labelsSchema.default([]),
  /** Workflow name: the ticket's explicit workflow (overrides the pickup-status match). */
  workflow: z.string().trim().min(1).max(LIMITS.nameMax).optional(),
});
export type JobTemplate = z.infer<typeof jobTemplateSchema>;
export type JobTemplateInput = z.input<typeof jobTemplateSchema>;

export const jobCreateInput = z.object({
  project: projectRefSchema,
  name: jobName,
  cron: cronSchema,
  timeZone: timeZoneSchema.default('UTC'),
  template: jobTemplateSchema,
  catchUp: jobCatchUpSchema.default('skip'),
  enabled: z.boolean().default(true),
});
export type JobCreateInput = z.input<typeof jobCreateInput>;

export const jobRefInput = z.object({ project: projectRefSchema, job: z.string().trim().min(1).max(LIMITS.nameMax) });
export const jobUpdateInput = jobRefInput.extend({
  name: jobName.optional(),
  cron: cronSchema.optional(),
  timeZone: timeZoneSchema.optional(),
  template: jobTemplateSchema.optional(),
  catchUp: jobCatchUpSchema.optional(),
});
export type JobUpdateInput = z.input<typeof jobUpdateInput>;
export const jobSetEnabledInput = jobRefInput.extend({ enabled: z.boolean() });
export const jobShowInput = jobRefInput.extend({
  nextCount: z.number().int().min(0).max(100).default(5),
  fireLimit: z.number().int().min(1).max(500).default(20),
});
/** Checks a schedule and template without saving: next fire times and the title they would give. */
export const jobPreviewInput = z.object({
  project: projectRefSchema,
  cron: cronSchema,
  timeZone: timeZoneSchema.default('UTC'),
  template: jobTemplateSchema.optional(),
  name: z.string().max(LIMITS.nameMax).default('job'),
  count: z.number().int().min(1).max(50).default(5),
});
