/**
 * Saving a harness file as a workflow version: the one write path of workflows (import, edit,
 * activate, bind, templates). Parses, checks against the project, refuses with every problem,
 * and otherwise appends an immutable version (unless the text is unchanged) and points the
 * workflow at it. The file text is stored as given, so export returns it byte for byte.
 */
import { and, eq, sql } from 'drizzle-orm';
import { OpenaseError } from '@openase/shared';
import { workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { canonicalJson, insertNew } from '../kernel/rows.js';
import { appendVersion } from '../kernel/versions.js';
import { requireExec } from '../auth/permissions.js';
import type { Changes } from '../kernel/transaction.js';
import { namedInProject, versionOf } from '../kernel/lookups.js';
import { parseHarness } from './harness/parse.js';
import type { Harness } from './harness/schema.js';
import type { Problem } from './harness/types.js';
import { checkAgainstProject } from './validate-project.js';
import { lockName } from '../db/name-lock.js';

export type Workflow = typeof workflows.$inferSelect;
export type WorkflowVersion = typeof workflowVersions.$inferSelect;

/** The error for a harness with problems: the message lists them all, `details.problems` has them as data. */
export function harnessInvalid(problems: Problem[], file = 'harness'): OpenaseError {
  const lines = problems.map((p) => `${file}:${p.line}: ${p.field}: ${p.message}`);
  return new OpenaseError(
    'VALIDATION_FAILED',
    `${problems.length} problem(s) in the harness file:\n${lines.join('\n')}`,
    { problems },
  );
}

/** Every problem of a file, against a project when one is given. Never writes. */
export async function validateHarnessSource(db: DbOrTx, projectId: string | null, source: string) {
  const parsed = parseHarness(source);
  let problems = parsed.problems;
  let resolved = null;
  if (projectId && parsed.raw) {
    const checked = await checkAgainstProject(db, projectId, parsed);
    problems = [...problems, ...checked.problems].sort((a, b) => a.line - b.line);
    resolved = checked.resolved;
  }
  return { parsed, problems, resolved };
}

export async function resolveWorkflow(db: DbOrTx, projectId: string, name: string): Promise<Workflow> {
  const condition = namedInProject(workflows, projectId, name);
  const [workflow] = await db.select().from(workflows).where(condition);
  if (!workflow) {
    const known = (
      await db.select({ name: workflows.name }).from(workflows).where(eq(workflows.projectId, projectId))
    ).map((w) => w.name);
    throw new OpenaseError(
      'NOT_FOUND',
      `workflow "${name}" does not exist in this project; ${known.length ? `known workflows: ${known.join(', ')}` : 'create one with `openase workflow create --template full-stack` or `workflow import FILE`'}`,
    );
  }
  return workflow;
}

export async function workflowVersion(db: DbOrTx, workflow: Workflow, version?: number): Promise<WorkflowVersion> {
  const condition = versionOf(workflowVersions, workflowVersions.workflowId, workflow, version);
  const [row] = await db.select().from(workflowVersions).where(condition);
  if (!row)
    throw new OpenaseError(
      'NOT_FOUND',
      `workflow ${workflow.name} has no version ${version}; it has versions 1–${workflow.versionSeq}`,
    );
  return row;
}

export interface SavedVersion {
  workflow: Workflow;
  version: WorkflowVersion;
  created: boolean;
  changed: boolean;
}

/**
 * Saves `source` in the project. `expectName` (edits of an existing workflow) refuses a file
 * whose `name:` names another workflow.
 */
export async function saveWorkflowSource(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  projectId: string,
  source: string,
  opts: { expectName?: string; mustBeNew?: boolean; builtinTemplate?: boolean } = {},
): Promise<SavedVersion> {
  const { parsed, problems, resolved } = await validateHarnessSource(tx, projectId, source);
  if (problems.length || !parsed.harness || !resolved) throw harnessInvalid(problems);
  const harness: Harness = parsed.harness;
  if (opts.expectName && harness.name.toLowerCase() !== opts.expectName.toLowerCase()) {
    throw new OpenaseError(
      'BAD_REQUEST',
      `the file's name "${harness.name}" differs from workflow "${opts.expectName}"; import it to create a workflow with the new name`,
    );
  }
  const now = deps.clock.now();
  await lockName(tx, 'workflow', projectId, harness.name);
  let [workflow] = await tx
    .select()
    .from(workflows)
    .where(and(eq(workflows.projectId, projectId), sql`lower(${workflows.name}) = lower(${harness.name})`))
    .for('update');
  let created = false;
  let previous: WorkflowVersion | null = null;
  if (workflow) {
    if (opts.mustBeNew)
      throw new OpenaseError('CONFLICT', `workflow "${workflow.name}" already exists in this project`);
    previous = await workflowVersion(tx, workflow);
    if (previous.source === source) return { workflow, version: previous, created: false, changed: false };
  }
  const runsChanged = !opts.builtinTemplate && changesExecution(previous?.harness as Harness | undefined, harness);
  if (runsChanged)
    requireExec(actor, 'workflows.hooks', `change what workflow ${harness.name} runs (its hooks or MCP servers)`);
  if (!workflow) {
    workflow = await insertNew(tx, deps, workflows, {
      projectId,
      name: harness.name,
      active: harness.active,
      createdAt: now,
      updatedAt: now,
    });
    created = true;
  }
  const {
    number,
    version,
    owner: updated,
  } = await appendVersion(tx, deps, {
    table: workflows,
    owner: workflow!,
    versions: workflowVersions,
    values: (number) => ({
      workflowId: workflow!.id,
      version: number,
      source,
      harness,
      body: parsed.body,
      agentId: resolved.agentId,
      pickupStatusIds: resolved.pickupStatusIds,
      finishStatusIds: resolved.finishStatusIds,
      skills: resolved.skills,
      merge: resolved.merge,
      createdBy: actor.name,
      createdAt: now,
    }),
    ownerChanges: { active: harness.active, updatedAt: now },
  });
  const changedFields = previous
    ? changedKeys(
        previous.harness as Record<string, unknown>,
        harness as Record<string, unknown>,
        previous.body !== parsed.body,
      )
    : [];
  await recordActivity(tx, deps, changes, actor, {
    projectId,
    action: created ? 'workflow.created' : 'workflow.versioned',
    entityType: 'workflow',
    entityId: workflow!.id,
    summary: created
      ? `created workflow ${harness.name} (version 1)`
      : `saved workflow ${harness.name} version ${number}${changedFields.length ? `: ${changedFields.join(', ')}` : ''}`,
    before: previous ? { version: previous.version } : undefined,
    after: { version: number, changed: changedFields, active: harness.active },
  });
  if (runsChanged)
    await recordActivity(tx, deps, changes, actor, {
      projectId,
      action: 'workflow.hooks_changed',
      entityType: 'workflow',
      entityId: workflow!.id,
      summary: `${actor.run ? `an agent (${actor.name})` : actor.name} changed what workflow ${harness.name} runs (version ${number}: hooks or MCP servers)`,
      before: {
        hooks: previous ? ((previous.harness as Harness).hooks ?? null) : null,
        mcpServers: previous ? ((previous.harness as Harness).mcp_servers ?? null) : null,
      },
      after: { hooks: harness.hooks ?? null, mcpServers: harness.mcp_servers ?? null, byAgent: !!actor.run },
    });
  return { workflow: updated!, version: version, created, changed: true };
}

/**
 * Whether a new version changes what runs on machines: its hooks, its MCP servers (each a program the agent's CLI
 * starts, or a URL its secrets' `${NAME}` placeholders are sent to), or granting its agents `workflows.hooks`.
 */
export function changesExecution(before: Harness | undefined, after: Harness): boolean {
  const hooks = (h: Harness | undefined) => canonicalJson(h?.hooks ?? {});
  const servers = (h: Harness | undefined) => canonicalJson(h?.mcp_servers ?? {});
  const grants = (h: Harness | undefined) => (h?.scopes ?? []).includes('workflows.hooks');
  return hooks(before) !== hooks(after) || servers(before) !== servers(after) || (grants(after) && !grants(before));
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>, bodyChanged: boolean): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  return bodyChanged ? [...keys, 'body'] : keys;
}
