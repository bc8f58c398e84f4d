/**
 * A project over its last days (`projects.insights`): the tickets touched, their moves (from the activity stream)
 * and their agent runs, as plain facts. The console draws the timeline and the overview charts from them with the
 * pure sums of shared/src/domain/insights.ts. Four queries, bounded by the window and by `LIMIT`.
 */
import { and, desc, eq, gte, isNull, or } from 'drizzle-orm';
import type { z } from 'zod';
import { projectInsightsInput, type InsightFacts } from '@openase/shared';
import { activity, agents, runs, statuses, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { resolveProject } from '../kernel/resolve-project.js';

/** Tickets in one answer at most (the most recently changed). */
const LIMIT = 500;

export async function projectInsights(
  db: DbOrTx,
  orgId: string,
  now: Date,
  raw: z.input<typeof projectInsightsInput>,
): Promise<InsightFacts> {
  const input = projectInsightsInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (input.days - 1)));
  const [statusRows, ticketRows, moveRows, runRows] = await Promise.all([
    db
      .select({ id: statuses.id, name: statuses.name, stage: statuses.stage })
      .from(statuses)
      .where(eq(statuses.projectId, project.id))
      .orderBy(statuses.position),
    db
      .select({
        id: tickets.id,
        identifier: tickets.identifier,
        title: tickets.title,
        createdAt: tickets.createdAt,
        statusId: tickets.statusId,
      })
      .from(tickets)
      .where(
        and(
          eq(tickets.projectId, project.id),
          isNull(tickets.archivedAt),
          or(gte(tickets.updatedAt, since), gte(tickets.createdAt, since)),
        ),
      )
      .orderBy(desc(tickets.updatedAt))
      .limit(LIMIT),
    db
      .select({ ticketId: activity.ticketId, at: activity.createdAt, after: activity.after })
      .from(activity)
      .where(
        and(eq(activity.projectId, project.id), eq(activity.action, 'ticket.moved'), gte(activity.createdAt, since)),
      ),
    db
      .select({
        ticketId: runs.ticketId,
        agent: agents.name,
        state: runs.state,
        costUsd: runs.costUsd,
        createdAt: runs.createdAt,
        startedAt: runs.startedAt,
        finishedAt: runs.finishedAt,
      })
      .from(runs)
      .leftJoin(agents, eq(agents.id, runs.agentId))
      .where(and(eq(runs.projectId, project.id), eq(runs.kind, 'agent'), gte(runs.createdAt, since))),
  ]);
  const statusName = new Map(statusRows.map((s) => [s.id, s.name]));
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    since: since.toISOString(),
    now: now.toISOString(),
    statuses: statusRows.map((s) => ({ name: s.name, stage: s.stage })),
    tickets: ticketRows.map((t) => ({
      id: t.id,
      identifier: t.identifier,
      title: t.title,
      createdAt: t.createdAt.toISOString(),
      status: statusName.get(t.statusId) ?? '',
    })),
    moves: moveRows.flatMap((m) => {
      const status = (m.after as { status?: unknown } | null)?.status;
      return m.ticketId && typeof status === 'string' ? [{ ticketId: m.ticketId, at: m.at.toISOString(), status }] : [];
    }),
    runs: runRows.map((r) => ({
      ticketId: r.ticketId,
      agent: r.agent,
      state: r.state,
      costUsd: Number(r.costUsd),
      createdAt: r.createdAt.toISOString(),
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
    })),
  };
}
