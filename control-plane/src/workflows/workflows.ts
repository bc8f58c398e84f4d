/**
 * Workflows of a project: import/export of harness files, versions, activation, deletion and
 * the views the API returns. Every write goes through saveWorkflowSource (versions.ts).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  conflict,
  workflowExportInput,
  workflowImportInput,
  workflowRefInput,
  workflowSetActiveInput,
  workflowUpdateInput,
  workflowValidateInput,
} from '@openase/shared';
import type { z } from 'zod';
import { agents, runs, skills, skillVersions, statuses, tickets, workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { deleteRecorded } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inProjectAs, type ProjectNeed } from '../auth/project-write.js';
import { requireRoleOrGrant, requireRoleSomewhere } from '../auth/permissions.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { inProjectWithSkills } from '../skills/skills.js';
import { PLATFORM_SKILL } from '../skills/builtin/index.js';
import { editFrontMatter } from '../kernel/frontmatter.js';
import type { Harness } from './harness/schema.js';
import type { SkillBinding } from './validate-project.js';
import {
  resolveWorkflow,
  saveWorkflowSource,
  validateHarnessSource,
  workflowVersion,
  type Workflow,
  type WorkflowVersion,
} from './versions.js';

/**
 * Refuses unless the actor is an admin (of the organization or of some project), or an agent granted
 * `workflows.update`; then parses `raw`. The work checks the project itself (`workflowNeed`).
 */
export async function workflowInput<S extends z.ZodType>(
  deps: Deps,
  actor: Actor,
  what: string,
  schema: S,
  raw: unknown,
) {
  await mayWriteWorkflows(deps, actor, what);
  return schema.parse(raw) as z.output<S>;
}

async function mayWriteWorkflows(deps: Deps, actor: Actor, what: string) {
  if (actor.run) requireRoleOrGrant(actor, 'admin', 'workflows.update', what);
  else await requireRoleSomewhere(deps.db, actor, 'admin', what);
}

/** What a workflow write needs in its project: an admin there, or an agent granted `workflows.update`. */
export const workflowNeed = (what: string): ProjectNeed => ({ min: 'admin', what, grant: 'workflows.update' });

export async function importWorkflow(deps: Deps, actor: Actor, raw: z.input<typeof workflowImportInput>) {
  return saveFile(deps, actor, workflowImportInput.parse(raw));
}

/** Saves an edited file as the next version of the named workflow (its `name:` must stay the same). */
export async function updateWorkflow(deps: Deps, actor: Actor, raw: z.input<typeof workflowUpdateInput>) {
  return saveFile(deps, actor, workflowUpdateInput.parse(raw));
}

async function saveFile(deps: Deps, actor: Actor, input: { project: string; source: string; workflow?: string }) {
  await mayWriteWorkflows(deps, actor, 'change workflows');
  return inProjectWithSkills(
    deps,
    actor,
    input.project,
    async (tx, changes, project) => {
      const expectName = input.workflow ? (await resolveWorkflow(tx, project.id, input.workflow)).name : undefined;
      const saved = await saveWorkflowSource(tx, deps, changes, actor, project.id, input.source, { expectName });
      return {
        ...(await describeVersion(tx, saved.workflow, saved.version)),
        created: saved.created,
        changed: saved.changed,
      };
    },
    workflowNeed('change workflows'),
  );
}

/** Problems of a file (all of them), checked against a project when one is named. Never writes. */
export async function validateWorkflow(db: DbOrTx, orgId: string, raw: z.input<typeof workflowValidateInput>) {
  const input = workflowValidateInput.parse(raw);
  const project = input.project ? await resolveProject(db, orgId, input.project) : null;
  const { problems, parsed } = await validateHarnessSource(db, project?.id ?? null, input.source);
  return { valid: problems.length === 0, problems, name: parsed.harness?.name ?? null };
}

export async function listWorkflows(db: DbOrTx, orgId: string, projectRef: string) {
  const project = await resolveProject(db, orgId, projectRef);
  const rows = await db
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(eq(workflows.projectId, project.id))
    .orderBy(asc(workflows.name));
  return Promise.all(rows.map((r) => describeVersion(db, r.workflow, r.version, { withSource: false })));
}

export async function showWorkflow(db: DbOrTx, orgId: string, raw: z.input<typeof workflowExportInput>) {
  const input = workflowExportInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const workflow = await resolveWorkflow(db, project.id, input.workflow);
  return describeVersion(db, workflow, await workflowVersion(db, workflow, input.version));
}

/** The exact file text of a version (default: current): byte-identical to what was imported. */
export async function exportWorkflow(db: DbOrTx, orgId: string, raw: z.input<typeof workflowExportInput>) {
  const input = workflowExportInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const workflow = await resolveWorkflow(db, project.id, input.workflow);
  const version = await workflowVersion(db, workflow, input.version);
  return { name: workflow.name, version: version.version, source: version.source };
}

/** Every version, oldest first, with its full text so a client can diff any two. */
export async function listWorkflowVersions(db: DbOrTx, orgId: string, raw: z.input<typeof workflowRefInput>) {
  const input = workflowRefInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const workflow = await resolveWorkflow(db, project.id, input.workflow);
  const rows = await db
    .select()
    .from(workflowVersions)
    .where(eq(workflowVersions.workflowId, workflow.id))
    .orderBy(asc(workflowVersions.version));
  return rows.map((v) => ({
    version: v.version,
    current: v.id === workflow.currentVersionId,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    source: v.source,
    harness: v.harness as Harness,
  }));
}

/** Activation is an edit like any other: it saves a new version with `active:` changed. */
export async function setWorkflowActive(deps: Deps, actor: Actor, raw: z.input<typeof workflowSetActiveInput>) {
  const input = await workflowInput(deps, actor, 'change workflows', workflowSetActiveInput, raw);
  return editWorkflow(deps, actor, input, (doc) => {
    if (input.active) doc.delete('active');
    else doc.set('active', false);
  });
}

/** Applies a front matter edit to the current version's text and saves the result as a new version. */
export async function editWorkflow(
  deps: Deps,
  actor: Actor,
  ref: { project: string; workflow: string },
  edit: Parameters<typeof editFrontMatter>[1],
) {
  return inProjectWithSkills(
    deps,
    actor,
    ref.project,
    async (tx, changes, project) => {
      const workflow = await resolveWorkflow(tx, project.id, ref.workflow);
      const current = await workflowVersion(tx, workflow);
      const source = editFrontMatter(current.source, edit);
      const saved = await saveWorkflowSource(tx, deps, changes, actor, project.id, source, {
        expectName: workflow.name,
      });
      return { ...(await describeVersion(tx, saved.workflow, saved.version)), changed: saved.changed };
    },
    workflowNeed('change workflows'),
  );
}

export async function deleteWorkflow(deps: Deps, actor: Actor, raw: z.input<typeof workflowRefInput>) {
  const input = await workflowInput(deps, actor, 'change workflows', workflowRefInput, raw);
  return inProjectAs(deps, actor, workflowNeed('change workflows'), input.project, async (tx, changes, project) => {
    const workflow = await resolveWorkflow(tx, project.id, input.workflow);
    const active = await tx
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.workflowId, workflow.id), inArray(runs.state, [...ACTIVE_RUN_STATES])));
    if (active.length)
      throw conflict(
        `workflow ${workflow.name} has ${active.length} active run(s); cancel them or deactivate the workflow first`,
      );
    const overridden = await tx
      .update(tickets)
      .set({ workflowId: null })
      .where(eq(tickets.workflowId, workflow.id))
      .returning({ identifier: tickets.identifier });
    return deleteRecorded(tx, deps, changes, actor, workflows, workflow, {
      projectId: project.id,
      action: 'workflow.deleted',
      entityType: 'workflow',
      summary: `deleted workflow ${workflow.name} (${workflow.versionSeq} version(s))${overridden.length ? `; cleared the override on ${overridden.map((t) => t.identifier).join(', ')}` : ''}`,
      before: { name: workflow.name, versions: workflow.versionSeq },
    });
  });
}

/** A workflow version as the API shows it: names resolved, skills resolved (the platform skill included). */
export async function describeVersion(
  db: DbOrTx,
  workflow: Workflow,
  version: WorkflowVersion,
  opts: { withSource?: boolean } = {},
) {
  const harness = version.harness as Harness;
  const statusRows = await db
    .select({ id: statuses.id, name: statuses.name })
    .from(statuses)
    .where(eq(statuses.projectId, workflow.projectId));
  const statusName = (id: string) => statusRows.find((s) => s.id === id)?.name ?? '(deleted status)';
  const [agent] = version.agentId
    ? await db.select({ name: agents.name, adapter: agents.adapter }).from(agents).where(eq(agents.id, version.agentId))
    : [];
  return {
    id: workflow.id,
    projectId: workflow.projectId,
    name: workflow.name,
    active: workflow.active,
    currentVersion: workflow.versionSeq,
    version: version.version,
    isCurrent: version.id === workflow.currentVersionId,
    agent: agent ? { name: agent.name, adapter: agent.adapter } : null,
    pickup: version.pickupStatusIds.map(statusName),
    finish: version.finishStatusIds.map(statusName),
    harness,
    skills: await resolveBoundSkills(db, workflow.projectId, version.skills as SkillBinding[]),
    createdBy: version.createdBy,
    createdAt: workflow.createdAt,
    updatedAt: workflow.updatedAt,
    versionCreatedAt: version.createdAt,
    ...(opts.withSource === false ? {} : { source: version.source, body: version.body }),
  };
}

/** The skills a run of this version gets: its bindings plus the auto-bound platform skill; disabled ones are marked. */
export async function resolveBoundSkills(db: DbOrTx, projectId: string, bindings: SkillBinding[]) {
  const rows = await db
    .select({
      id: skills.id,
      name: skills.name,
      enabled: skills.enabled,
      builtin: skills.builtin,
      currentVersionId: skills.currentVersionId,
    })
    .from(skills)
    .where(eq(skills.projectId, projectId));
  const platform = rows.find((r) => r.name === PLATFORM_SKILL);
  const all = [
    ...(platform && !bindings.some((b) => b.skillId === platform.id)
      ? [{ skillId: platform.id, name: PLATFORM_SKILL, versionId: null, version: null, auto: true }]
      : []),
    ...bindings.map((b) => ({ ...b, auto: false })),
  ];
  const out = [];
  for (const b of all) {
    const skill = rows.find((r) => r.id === b.skillId);
    if (!skill) continue;
    const versionId = b.versionId ?? skill.currentVersionId!;
    const [v] = await db
      .select({ version: skillVersions.version, contentHash: skillVersions.contentHash })
      .from(skillVersions)
      .where(eq(skillVersions.id, versionId));
    out.push({
      name: skill.name,
      pinned: b.versionId !== null,
      autoBound: b.auto,
      enabled: skill.enabled,
      builtin: skill.builtin,
      version: v?.version ?? null,
      contentHash: v?.contentHash ?? null,
    });
  }
  return out;
}
