import { and, asc, eq, sql } from 'drizzle-orm';
import {
  DEFAULT_STATUSES,
  OpenaseError,
  conflict,
  projectCreateInput,
  projectUpdateInput,
  slugFromName,
  ticketPrefixFromName,
  type ProjectCreateInput,
} from '@openase/shared';
import { projects, statuses } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction } from '../kernel/transaction.js';
import { allowedInput, inProjectAs, projectInput, type ProjectNeed } from '../auth/project-write.js';
import { ensureBuiltinSkills } from '../skills/skills.js';

/** What each change here needs of the actor in its project (auth/project-write.ts). */
const CHANGE_PROJECTS: ProjectNeed = { min: 'admin', what: 'change projects' };

export type Project = typeof projects.$inferSelect;

export async function listProjects(db: DbOrTx, orgId: string): Promise<Project[]> {
  return db
    .select()
    .from(projects)
    .where(eq(projects.orgId, orgId))
    .orderBy(asc(projects.createdAt), asc(projects.slug));
}

export async function createProject(deps: Deps, actor: Actor, rawInput: ProjectCreateInput): Promise<Project> {
  const input = allowedInput(actor, 'member', 'create projects', projectCreateInput, rawInput);
  const slug = input.slug ?? slugFromName(input.name);
  const ticketPrefix = input.ticketPrefix ?? ticketPrefixFromName(input.name);
  return inTransaction(deps, async (tx, changes) => {
    const clash = await tx
      .select({ slug: projects.slug, prefix: projects.ticketPrefix })
      .from(projects)
      .where(
        and(
          eq(projects.orgId, actor.orgId),
          sql`(${projects.slug} = ${slug} or ${projects.ticketPrefix} = ${ticketPrefix})`,
        ),
      );
    for (const c of clash) {
      if (c.slug === slug) throw conflict(`a project with slug "${slug}" already exists; pick another with --slug`);
      throw conflict(`ticket prefix "${ticketPrefix}" is taken by project "${c.slug}"; pick another with --prefix`);
    }
    const now = deps.clock.now();
    const project = await insertNew(tx, deps, projects, {
      orgId: actor.orgId,
      name: input.name,
      slug,
      ticketPrefix,
      description: input.description ?? '',
      createdAt: now,
    });
    if (!project) throw new OpenaseError('INTERNAL', 'project insert returned nothing');
    await tx.insert(statuses).values(
      DEFAULT_STATUSES.map((s, position) => ({
        id: deps.ids.uuid(),
        projectId: project.id,
        name: s.name,
        stage: s.stage,
        color: s.color,
        position,
        isDefault: s.name === 'Backlog',
        createdAt: now,
      })),
    );
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.created',
      entityType: 'project',
      entityId: project.id,
      summary: `created project ${project.name} (${project.slug}, prefix ${project.ticketPrefix})`,
      after: { name: project.name, slug, ticketPrefix },
    });
    await ensureBuiltinSkills(tx, deps, changes, actor, project.id);
    return project;
  });
}

/** Renames, describes or limits a project (`max_concurrent_runs`: agent runs at once; null = no limit). */
export const updateProject: Command<typeof projectUpdateInput, Project> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, CHANGE_PROJECTS, projectUpdateInput, raw);
  return inProjectAs(deps, actor, CHANGE_PROJECTS, input.project, async (tx, changes, project) => {
    const patch: Partial<Project> = {};
    if (input.name !== undefined && input.name !== project.name) patch.name = input.name;
    if (input.description !== undefined && input.description !== project.description)
      patch.description = input.description;
    if (input.maxConcurrentRuns !== undefined && input.maxConcurrentRuns !== project.maxConcurrentRuns)
      patch.maxConcurrentRuns = input.maxConcurrentRuns;
    if (Object.keys(patch).length === 0) return project;
    const [updated] = await tx.update(projects).set(patch).where(eq(projects.id, project.id)).returning();
    const limit = (n: number | null | undefined) => (n == null ? 'no limit' : `${n}`);
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.updated',
      entityType: 'project',
      entityId: project.id,
      summary: `updated project ${project.slug}${
        'maxConcurrentRuns' in patch
          ? `: concurrent runs ${limit(project.maxConcurrentRuns)} → ${limit(patch.maxConcurrentRuns)}`
          : ''
      }`,
      before: Object.fromEntries(Object.keys(patch).map((k) => [k, project[k as keyof Project]])),
      after: patch,
    });
    return updated!;
  });
};
