import { and, asc, eq, sql } from 'drizzle-orm';
import {
  isUuid,
  DEFAULT_STATUSES,
  OpenaseError,
  conflict,
  notFound,
  projectCreateInput,
  slugFromName,
  ticketPrefixFromName,
  type ProjectCreateInput,
} from '@openase/shared';
import { projects, statuses } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole } from '../auth/permissions.js';
import { ensureBuiltinSkills } from '../skills/skills.js';

export type Project = typeof projects.$inferSelect;

/** A project is named by its slug (case-insensitive), its ticket prefix, or its id. */
export async function resolveProject(db: DbOrTx, orgId: string, ref: string): Promise<Project> {
  const key = ref.trim();
  const byId = isUuid(key) ? eq(projects.id, key) : undefined;
  const condition = byId ?? sql`(lower(${projects.slug}) = lower(${key}) or ${projects.ticketPrefix} = upper(${key}))`;
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.orgId, orgId), condition))
    .limit(1);
  if (!project)
    throw notFound(`project "${key}" does not exist; \`openase project list\` shows the projects you can use`);
  return project;
}

export async function listProjects(db: DbOrTx, orgId: string): Promise<Project[]> {
  return db
    .select()
    .from(projects)
    .where(eq(projects.orgId, orgId))
    .orderBy(asc(projects.createdAt), asc(projects.slug));
}

export async function createProject(deps: Deps, actor: Actor, rawInput: ProjectCreateInput): Promise<Project> {
  requireRole(actor, 'member', 'create projects');
  const input = projectCreateInput.parse(rawInput);
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
    const [project] = await tx
      .insert(projects)
      .values({
        id: deps.ids.uuid(),
        orgId: actor.orgId,
        name: input.name,
        slug,
        ticketPrefix,
        description: input.description ?? '',
        createdAt: now,
      })
      .returning();
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
