/** Workflows and skills, each with immutable versions. */
import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, timestamps, ownedRow } from './columns.js';
import { projects } from './projects.js';

/** A workflow points at its current version; versions are immutable, runs pin one. */
export const workflows = pgTable(
  'workflows',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    currentVersionId: uuid('current_version_id'),
    /** Mirrors the current version's `active:` so the dispatcher filters without parsing. */
    active: boolean('active').notNull().default(true),
    /** Highest version number handed out; bumped under this row's lock. */
    versionSeq: integer('version_seq').notNull().default(0),
    ...timestamps(),
  },
  (t) => [uniqueIndex('workflows_project_name').on(t.projectId, sql`lower(${t.name})`)],
);

/**
 * One immutable version of a workflow: the exact file text (export returns it byte for byte),
 * the parsed front matter with defaults, and what it resolved to when it was saved.
 */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    ...ownedRow('workflowId', () => workflows.id),
    version: integer('version').notNull(),
    source: text('source').notNull(),
    harness: jsonb('harness').notNull(),
    body: text('body').notNull(),
    agentId: uuid('agent_id'),
    pickupStatusIds: uuid('pickup_status_ids').array().notNull(),
    finishStatusIds: uuid('finish_status_ids').array().notNull(),
    /** [{ skillId, versionId | null }]: null = the skill's current version at run time. */
    skills: jsonb('skills')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** The `merge:` step resolved: `{statusId, doneStatusId, reworkStatusId}`; null = the workflow declares none. */
    merge: jsonb('merge'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('workflow_versions_workflow_version').on(t.workflowId, t.version)],
);

export const skills = pgTable(
  'skills',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    description: text('description').notNull(),
    builtin: boolean('builtin').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),
    currentVersionId: uuid('current_version_id'),
    versionSeq: integer('version_seq').notNull().default(0),
    ...timestamps(),
  },
  (t) => [uniqueIndex('skills_project_name').on(t.projectId, t.name)],
);

/** A skill version: its files (path, base64 content, sha256, size, executable) and their combined hash. */
export const skillVersions = pgTable(
  'skill_versions',
  {
    ...ownedRow('skillId', () => skills.id),
    version: integer('version').notNull(),
    contentHash: text('content_hash').notNull(),
    files: jsonb('files').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('skill_versions_skill_version').on(t.skillId, t.version)],
);
