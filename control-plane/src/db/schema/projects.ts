/** Projects with their repositories and board statuses. */
import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { STATUS_STAGES } from '@openase/shared';
import { createdAt, ownedRow, usd, textList } from './columns.js';
import { organizations } from './identity.js';

export const projects = pgTable(
  'projects',
  {
    ...ownedRow('orgId', () => organizations.id),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    ticketPrefix: text('ticket_prefix').notNull(),
    description: text('description').notNull().default(''),
    /** Last ticket number handed out; bumped under this row's lock, so numbers are gap-free. */
    ticketSeq: integer('ticket_seq').notNull().default(0),
    /** Last activity sequence number; same locking, so the stream's order is commit order. */
    activitySeq: integer('activity_seq').notNull().default(0),
    maxConcurrentRuns: integer('max_concurrent_runs'),
    /** Project AI: the run-token scopes a conversation's agent gets; null = DEFAULT_PROJECT_AI_SCOPES. */
    projectAiScopes: text('project_ai_scopes').array(),
    /** Project AI: the spending cap of one conversation; null = DEFAULT_CHAT_COST_CAP_USD. */
    chatCostCapUsd: usd('chat_cost_cap_usd'),
    /** How approved tickets land: merge, squash or rebase (shared MERGE_METHODS). */
    mergeMethod: text('merge_method').notNull().default('merge'),
    /** Delete a ticket's branch on the remote once merged. */
    deleteMergedBranch: boolean('delete_merged_branch').notNull().default(true),
    /** A pull request closed unmerged: back to the workflow (rework) or the ticket is cancelled (cancel). */
    closedPullRequest: text('closed_pull_request').notNull().default('rework'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('projects_org_slug').on(t.orgId, t.slug),
    uniqueIndex('projects_org_prefix').on(t.orgId, t.ticketPrefix),
  ],
);

export const repositories = pgTable(
  'repositories',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    url: text('url').notNull(),
    defaultBranch: text('default_branch').notNull(),
    labels: textList('labels'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('repositories_project_name').on(t.projectId, t.name)],
);

export const statuses = pgTable(
  'statuses',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    stage: text('stage', { enum: STATUS_STAGES }).notNull(),
    position: integer('position').notNull(),
    color: text('color').notNull(),
    maxActiveRuns: integer('max_active_runs'),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('statuses_project_name').on(t.projectId, sql`lower(${t.name})`)],
);
