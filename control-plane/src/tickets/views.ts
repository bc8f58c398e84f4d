/**
 * Saved views: a person keeps the board's filters of a project under a name (`views.save` replaces a view of the
 * same name), lists and deletes them. Personal settings, like notification subscriptions: only the person who saved
 * a view sees it, and saving one is not an activity of the project.
 */
import { and, asc, eq } from 'drizzle-orm';
import {
  forbidden,
  notFound,
  savedViewQuerySchema,
  viewDeleteInput,
  viewSaveInput,
  type SavedViewQuery,
} from '@openase/shared';
import type { z } from 'zod';
import { savedViews } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor, Command, Deleted, Deps } from '../kernel/context.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { requireRoleIn } from '../auth/permissions.js';

export interface SavedView {
  name: string;
  query: SavedViewQuery;
  updatedAt: Date;
}

function person(actor: Actor): string {
  if (!actor.userId || actor.type !== 'user') throw forbidden('only a person has saved views');
  return actor.userId;
}

async function where(db: DbOrTx, actor: Actor, project: string) {
  const userId = person(actor);
  const p = await resolveProject(db, actor.orgId, project);
  await requireRoleIn(db, actor, p.id, 'viewer', 'see this project');
  return { userId, projectId: p.id };
}

export async function listViews(db: DbOrTx, actor: Actor, project: string): Promise<SavedView[]> {
  const { userId, projectId } = await where(db, actor, project);
  const rows = await db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.userId, userId), eq(savedViews.projectId, projectId)))
    .orderBy(asc(savedViews.name));
  return rows.map((r) => ({ name: r.name, query: savedViewQuerySchema.parse(r.query), updatedAt: r.updatedAt }));
}

export async function saveView(deps: Deps, actor: Actor, raw: z.input<typeof viewSaveInput>): Promise<SavedView> {
  const input = viewSaveInput.parse(raw);
  const { userId, projectId } = await where(deps.db, actor, input.project);
  const now = deps.clock.now();
  const query = Object.fromEntries(Object.entries(input.query).filter(([, v]) => v !== undefined && v !== ''));
  await deps.db
    .insert(savedViews)
    .values({ id: deps.ids.uuid(), projectId, userId, name: input.name, query, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [savedViews.userId, savedViews.projectId, savedViews.name],
      set: { query, updatedAt: now },
    });
  return { name: input.name, query: savedViewQuerySchema.parse(query), updatedAt: now };
}

export const deleteView: Command<typeof viewDeleteInput, Deleted> = async (deps, actor, raw) => {
  const input = viewDeleteInput.parse(raw);
  const { userId, projectId } = await where(deps.db, actor, input.project);
  const gone = await deps.db
    .delete(savedViews)
    .where(and(eq(savedViews.userId, userId), eq(savedViews.projectId, projectId), eq(savedViews.name, input.name)))
    .returning({ name: savedViews.name });
  if (!gone.length) throw notFound(`you have no saved view named "${input.name}" in this project`);
  return { deleted: input.name };
};
