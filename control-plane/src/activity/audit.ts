/**
 * The audit trail as a person reads it: every activity entry of the organization (sign-ins, members,
 * invitations, tokens, secrets, machines, settings, and the tickets' own activity), newest first, filtered by
 * actor, kind, project and time; exported as JSON or CSV.
 */
import { and, desc, eq, gte, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { AUDIT_KINDS, auditListInput, type AuditKind } from '@openase/shared';
import type { z } from 'zod';
import { activity, projects } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor } from '../kernel/context.js';
import { resolveProject } from '../kernel/resolve-project.js';

export interface AuditEntry {
  id: number;
  at: Date;
  actorType: string;
  actorId: string;
  actorName: string;
  action: string;
  kind: AuditKind | 'other';
  project: string | null;
  entityType: string;
  entityId: string;
  summary: string;
  ip: string | null;
  before: unknown;
  after: unknown;
}

export function kindOf(action: string): AuditKind | 'other' {
  for (const [kind, prefixes] of Object.entries(AUDIT_KINDS) as Array<[AuditKind, readonly string[]]>)
    if (prefixes.some((p) => (p.endsWith('.') ? action.startsWith(p) : action === p))) return kind;
  return 'other';
}

function kindCondition(kinds: readonly AuditKind[]): SQL | undefined {
  const parts = kinds.flatMap((k) =>
    AUDIT_KINDS[k].map((p) => (p.endsWith('.') ? like(activity.action, `${p}%`) : eq(activity.action, p))),
  );
  return parts.length ? or(...parts) : undefined;
}

export async function listAudit(
  db: DbOrTx,
  actor: Actor,
  raw: z.input<typeof auditListInput>,
): Promise<{ entries: AuditEntry[]; nextBefore: number | null }> {
  const input = auditListInput.parse(raw);
  const conditions: SQL[] = [eq(activity.orgId, actor.orgId)];
  if (input.project) conditions.push(eq(activity.projectId, (await resolveProject(db, actor.orgId, input.project)).id));
  if (input.kinds?.length) conditions.push(kindCondition(input.kinds)!);
  if (input.actor)
    conditions.push(
      or(
        eq(activity.actorId, input.actor),
        sql`lower(${activity.actorName}) like ${`%${input.actor.toLowerCase().replace(/[%_\\]/g, '\\$&')}%`}`,
      )!,
    );
  if (input.since) conditions.push(gte(activity.createdAt, new Date(input.since)));
  if (input.until) conditions.push(lte(activity.createdAt, new Date(input.until)));
  if (input.before) conditions.push(lt(activity.id, input.before));
  const rows = await db
    .select({ entry: activity, project: projects.slug })
    .from(activity)
    .leftJoin(projects, eq(projects.id, activity.projectId))
    .where(and(...conditions))
    .orderBy(desc(activity.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  return {
    entries: page.map(({ entry, project }) => ({
      id: entry.id,
      at: entry.createdAt,
      actorType: entry.actorType,
      actorId: entry.actorId,
      actorName: entry.actorName,
      action: entry.action,
      kind: kindOf(entry.action),
      project,
      entityType: entry.entityType,
      entityId: entry.entityId,
      summary: entry.summary,
      ip: ipOf(entry.after),
      before: entry.before,
      after: entry.after,
    })),
    nextBefore: rows.length > input.limit ? page.at(-1)!.entry.id : null,
  };
}

function ipOf(after: unknown): string | null {
  const ip = after && typeof after === 'object' ? (after as { ip?: unknown }).ip : null;
  return typeof ip === 'string' ? ip : null;
}

/** CSV export lives in shared (the CLI and the console use it too). */
export { auditCsv } from '@openase/shared';
