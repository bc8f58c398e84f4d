/**
 * Statuses are a project's board columns. Each has a stage (backlog … canceled) that gives it
 * meaning to the orchestrator. Rules: names are unique per project (case-insensitive); a project
 * keeps at least one status; deleting a status that still holds tickets requires naming where
 * they go, and the move of each ticket is recorded; a status a workflow names (pickup, finish,
 * rework, merge, a `tickets.move:<status>` scope) can be neither deleted nor renamed until no
 * workflow names it: the refusal lists every use. Decision: a rename is refused rather than
 * rewriting the harness files, which are the people's text (comments, layout) and versioned; the
 * list says exactly which files to edit (docs/workflows.md).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import {
  badRequest,
  conflict,
  notFound,
  statusCreateInput,
  statusDeleteInput,
  statusMoveInput,
  statusUpdateInput,
} from '@openase/shared';
import type { z } from 'zod';
import { statuses, tickets, workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deleted, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { namedInProject } from '../kernel/lookups.js';
import { inProjectAs, projectInput, type ProjectNeed } from '../auth/project-write.js';

/** What each change here needs of the actor in its project (auth/project-write.ts). */
const CHANGE_STATUSES: ProjectNeed = { min: 'admin', what: 'change statuses' };

export type Status = typeof statuses.$inferSelect;

export async function listStatuses(db: DbOrTx, projectId: string): Promise<Status[]> {
  return db
    .select()
    .from(statuses)
    .where(eq(statuses.projectId, projectId))
    .orderBy(asc(statuses.position), asc(statuses.name));
}

export async function resolveStatus(db: DbOrTx, projectId: string, name: string): Promise<Status> {
  const condition = namedInProject(statuses, projectId, name);
  const [status] = await db.select().from(statuses).where(condition);
  if (!status) {
    const known = (await listStatuses(db, projectId)).map((s) => s.name);
    throw notFound(`status "${name}" does not exist in this project; known statuses: ${known.join(', ')}`);
  }
  return status;
}

/** Rewrites positions 0..n-1 in the given order. */
/** The fields of an entry about one status: its project, and the status as the entity. */
function aboutStatus(status: Status) {
  return { projectId: status.projectId, entityType: 'status', entityId: status.id };
}

/** Puts `status` at `position` among the others (in their order), then renumbers them all. */
async function placeAt(tx: Tx, others: Status[], status: Status, position: number): Promise<void> {
  const ordered = [...others];
  ordered.splice(position, 0, status);
  await renumber(tx, ordered);
}

async function renumber(tx: Tx, ordered: Status[]): Promise<void> {
  for (const [position, s] of ordered.entries()) {
    if (s.position !== position) await tx.update(statuses).set({ position }).where(eq(statuses.id, s.id));
  }
}

export async function createStatus(deps: Deps, actor: Actor, raw: z.input<typeof statusCreateInput>): Promise<Status> {
  const input = await projectInput(deps, actor, CHANGE_STATUSES, statusCreateInput, raw);
  return inProjectAs(deps, actor, CHANGE_STATUSES, input.project, async (tx, changes, project) => {
    const existing = await listStatuses(tx, project.id);
    if (existing.some((s) => s.name.toLowerCase() === input.name.toLowerCase())) {
      throw conflict(`status "${input.name}" already exists in ${project.slug}`);
    }
    const position = Math.min(input.position ?? existing.length, existing.length);
    const status = await insertNew(tx, deps, statuses, {
      projectId: project.id,
      name: input.name,
      stage: input.stage,
      color: input.color ?? '#64748b',
      position: existing.length, // placed last, then moved
      maxActiveRuns: input.maxActiveRuns ?? null,
      createdAt: deps.clock.now(),
    });
    await placeAt(tx, existing, status, position);
    await recordActivity(tx, deps, changes, actor, {
      ...aboutStatus(status),
      action: 'status.created',
      summary: `created status ${input.name} (${input.stage})`,
      after: { name: input.name, stage: input.stage, position },
    });
    return { ...status, position };
  });
}

/** Every use of a status by a workflow's current version, in words: `workflow "dev" (v3) picks up tickets from it`. */
export async function workflowUsesOf(tx: Tx, projectId: string, status: Status): Promise<string[]> {
  const rows = await tx
    .select({ workflow: workflows.name, version: workflowVersions })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(eq(workflows.projectId, projectId))
    .orderBy(asc(workflows.name));
  const same = (name: unknown) => typeof name === 'string' && name.toLowerCase() === status.name.toLowerCase();
  const uses: string[] = [];
  for (const { workflow, version } of rows) {
    const h = (version.harness ?? {}) as {
      rework?: unknown;
      merge?: { status?: unknown; done?: unknown };
      scopes?: unknown[];
    };
    const roles = [
      version.pickupStatusIds.includes(status.id) && 'picks up tickets from it',
      version.finishStatusIds.includes(status.id) && 'finishes tickets in it',
      same(h.rework) && 'sends rework to it',
      (same(h.merge?.status) || same(h.merge?.done)) && 'merges through it',
      (h.scopes ?? []).some(
        (sc) => typeof sc === 'string' && sc.startsWith('tickets.move:') && same(sc.slice('tickets.move:'.length)),
      ) && 'lets its agent move tickets to it (scope)',
    ].filter((r): r is string => !!r);
    if (roles.length) uses.push(`workflow "${workflow}" (v${version.version}) ${roles.join(' and ')}`);
  }
  return uses;
}

export async function updateStatus(deps: Deps, actor: Actor, raw: z.input<typeof statusUpdateInput>): Promise<Status> {
  const input = await projectInput(deps, actor, CHANGE_STATUSES, statusUpdateInput, raw);
  return inProjectAs(deps, actor, CHANGE_STATUSES, input.project, async (tx, changes, project) => {
    const status = await resolveStatus(tx, project.id, input.status);
    const patch: Partial<Status> = {};
    if (input.name !== undefined && input.name !== status.name) {
      const [clash] = await tx
        .select({ id: statuses.id })
        .from(statuses)
        .where(and(eq(statuses.projectId, project.id), sql`lower(${statuses.name}) = lower(${input.name})`));
      if (clash && clash.id !== status.id) throw conflict(`status "${input.name}" already exists in ${project.slug}`);
      // A change of case only keeps every harness valid (names match case-insensitively).
      const uses =
        input.name.toLowerCase() === status.name.toLowerCase() ? [] : await workflowUsesOf(tx, project.id, status);
      if (uses.length)
        throw conflict(
          `status "${status.name}" cannot be renamed while workflows name it: ${uses.join('; ')}. Take it out of those workflows, rename it, then name it there again`,
        );
      patch.name = input.name;
    }
    if (input.stage !== undefined) patch.stage = input.stage;
    if (input.color !== undefined) patch.color = input.color;
    if (input.maxActiveRuns !== undefined) patch.maxActiveRuns = input.maxActiveRuns;
    if (Object.keys(patch).length === 0) return status;
    const [updated] = await tx.update(statuses).set(patch).where(eq(statuses.id, status.id)).returning();
    const before = Object.fromEntries(Object.keys(patch).map((k) => [k, status[k as keyof Status]]));
    await recordActivity(tx, deps, changes, actor, {
      ...aboutStatus(status),
      action: 'status.updated',
      summary: patch.name ? `renamed status ${status.name} to ${patch.name}` : `updated status ${status.name}`,
      before,
      after: patch,
    });
    return updated!;
  });
}

export async function moveStatus(deps: Deps, actor: Actor, raw: z.input<typeof statusMoveInput>): Promise<Status[]> {
  const input = await projectInput(deps, actor, CHANGE_STATUSES, statusMoveInput, raw);
  return inProjectAs(deps, actor, CHANGE_STATUSES, input.project, async (tx, changes, project) => {
    const status = await resolveStatus(tx, project.id, input.status);
    const others = (await listStatuses(tx, project.id)).filter((s) => s.id !== status.id);
    const position = Math.min(input.position, others.length);
    await placeAt(tx, others, status, position);
    await recordActivity(tx, deps, changes, actor, {
      ...aboutStatus(status),
      action: 'status.moved',
      summary: `moved status ${status.name} to position ${position}`,
      before: { position: status.position },
      after: { position },
    });
    return listStatuses(tx, project.id);
  });
}

export interface StatusDeleted extends Deleted {
  movedTickets: number;
}

export const deleteStatus: Command<typeof statusDeleteInput, StatusDeleted> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, CHANGE_STATUSES, statusDeleteInput, raw);
  return inProjectAs(deps, actor, CHANGE_STATUSES, input.project, async (tx, changes, project) => {
    const status = await resolveStatus(tx, project.id, input.status);
    const all = await listStatuses(tx, project.id);
    if (all.length === 1)
      throw badRequest(`status "${status.name}" is the project's last status and cannot be deleted`);
    const uses = await workflowUsesOf(tx, project.id, status);
    if (uses.length)
      throw conflict(
        `status "${status.name}" is in use: ${uses.join('; ')}; change those workflows first, then delete it`,
      );
    const held = await tx
      .select({ id: tickets.id, identifier: tickets.identifier })
      .from(tickets)
      .where(eq(tickets.statusId, status.id));
    let target: Status | null = null;
    if (held.length > 0) {
      if (!input.moveTicketsTo) {
        throw conflict(
          `status "${status.name}" still holds ${held.length} ticket(s) (e.g. ${held[0]!.identifier}); choose the status to move them to, then delete it`,
        );
      }
      target = await resolveStatus(tx, project.id, input.moveTicketsTo);
      if (target.id === status.id)
        throw badRequest(`its tickets must move to another status than ${status.name}, the one being deleted`);
      const now = deps.clock.now();
      await tx
        .update(tickets)
        .set({ statusId: target.id, updatedAt: now, statusChangedAt: now })
        .where(eq(tickets.statusId, status.id));
      for (const t of held) {
        await recordActivity(tx, deps, changes, actor, {
          projectId: project.id,
          ticketId: t.id,
          action: 'ticket.moved',
          entityType: 'ticket',
          entityId: t.id,
          summary: `moved ${t.identifier} from ${status.name} to ${target.name} (status deleted)`,
          before: { status: status.name },
          after: { status: target.name },
        });
      }
    }
    await tx.delete(statuses).where(eq(statuses.id, status.id));
    await renumber(
      tx,
      all.filter((s) => s.id !== status.id),
    );
    await recordActivity(tx, deps, changes, actor, {
      ...aboutStatus(status),
      action: 'status.deleted',
      summary: `deleted status ${status.name}${target ? `, moving ${held.length} ticket(s) to ${target.name}` : ''}`,
      before: { name: status.name, stage: status.stage, position: status.position },
    });
    return { deleted: status.name, movedTickets: held.length };
  });
};
