/**
 * Finding a project by what a person types. Here, below projects/, because the activity log,
 * agents and members resolve a project too and may not import projects/ (import direction).
 */
import { and, eq, sql } from 'drizzle-orm';
import { isUuid, notFound } from '@openase/shared';
import { projects } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';

/** A project is named by its slug (case-insensitive), its ticket prefix, or its id. */
export async function resolveProject(db: DbOrTx, orgId: string, ref: string): Promise<typeof projects.$inferSelect> {
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
