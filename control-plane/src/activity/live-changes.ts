/**
 * The organization's committed changes as one resumable stream: what a browser tab follows to
 * keep every page live over a single connection.
 *
 * Resuming needs a position that survives reconnects and restarts. Activity ids (bigserial) are
 * not one: on PostgreSQL two transactions can commit out of id order. Per-project `seq` is (the
 * project row lock orders commits), so the position is a vector: the last delivered `seq` of
 * every project, plus the highest activity id of organization-level entries (those without a
 * project; rare, and only their replay relies on id order). Each event carries the vector after
 * it as its id; a reconnect sends it back and gets exactly what it missed. A project missing
 * from the vector was created after it was taken, so everything of that project is missed.
 *
 * A position that cannot be read, or one so old that replaying would cost more than reloading,
 * starts afresh with `ready{resumed:false}`: the client then reloads what it shows. Nothing is
 * lost either way.
 */
import { and, eq, gt, isNull, max, asc } from 'drizzle-orm';
import { activity, projects } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import { listActivity, type ActivityEntry } from './activity.js';

/** More missed entries than this: the client reloads instead of replaying. */
export const REPLAY_MAX = 1000;
const CURSOR_MAX_LENGTH = 256 * 1024;

export interface LiveCursor {
  /** Highest delivered id of organization-level activity (no project). */
  org: number;
  /** Project id → last delivered `seq`. Absent = 0. */
  projects: Map<string, number>;
}

export type LiveEvent =
  /** First event of every connection. `resumed: false` = reload what you show. */
  { kind: 'ready'; resumed: boolean } | { kind: 'change'; change: ActivityEntry };

const UUID_HEX = /^[0-9a-f]{32}$/;

/** `v1~<org>~<project hex>.<seq>~…` (dashes dropped from project ids; zero seqs omitted). */
export function encodeCursor(cursor: LiveCursor): string {
  const parts = ['v1', String(cursor.org)];
  for (const [projectId, seq] of [...cursor.projects].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (seq > 0) parts.push(`${projectId.replace(/-/g, '')}.${seq}`);
  }
  return parts.join('~');
}

export function decodeCursor(text: string): LiveCursor | null {
  if (text.length > CURSOR_MAX_LENGTH) return null;
  const [version, org, ...rest] = text.split('~');
  if (version !== 'v1' || !org || !/^\d+$/.test(org)) return null;
  const projectsSeen = new Map<string, number>();
  for (const part of rest) {
    const [hex, seq] = part.split('.');
    if (!hex || !seq || !UUID_HEX.test(hex) || !/^\d+$/.test(seq)) return null;
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    projectsSeen.set(id, Number(seq));
  }
  return { org: Number(org), projects: projectsSeen };
}

async function currentCursor(deps: Deps, orgId: string): Promise<LiveCursor> {
  const rows = await deps.db
    .select({ id: projects.id, seq: projects.activitySeq })
    .from(projects)
    .where(eq(projects.orgId, orgId));
  const [org] = await deps.db
    .select({ id: max(activity.id) })
    .from(activity)
    .where(and(eq(activity.orgId, orgId), isNull(activity.projectId)));
  return { org: org?.id ?? 0, projects: new Map(rows.map((r) => [r.id, r.seq])) };
}

/** Entries committed after `cursor`, oldest first per project; null when more than REPLAY_MAX. */
async function missedSince(
  deps: Deps,
  orgId: string,
  cursor: LiveCursor,
  replayMax: number,
): Promise<ActivityEntry[] | null> {
  const rows = await deps.db
    .select({ id: projects.id, seq: projects.activitySeq })
    .from(projects)
    .where(eq(projects.orgId, orgId));
  const behind = rows
    .map((p) => ({ id: p.id, from: cursor.projects.get(p.id) ?? 0, to: p.seq }))
    .filter((p) => p.to > p.from);
  if (behind.reduce((n, p) => n + (p.to - p.from), 0) > replayMax) return null;
  const orgLevel = await deps.db
    .select()
    .from(activity)
    .where(and(eq(activity.orgId, orgId), isNull(activity.projectId), gt(activity.id, cursor.org)))
    .orderBy(asc(activity.id))
    .limit(replayMax + 1);
  if (orgLevel.length > replayMax) return null;
  const perProject = await Promise.all(
    behind.map((p) => listActivity(deps.db, { projectId: p.id, afterSeq: p.from, limit: p.to - p.from })),
  );
  return [...orgLevel, ...perProject.flat()];
}

export async function* streamOrgChanges(
  deps: Deps,
  query: { orgId: string; after: string | null; replayMax?: number },
  signal?: AbortSignal,
): AsyncGenerator<{ cursor: string; event: LiveEvent }> {
  const pending: ActivityEntry[] = [];
  let wake: (() => void) | null = null;
  // Subscribe before reading any position, so nothing committed in between is missed.
  const unsubscribe = deps.bus.onActivity((entry) => {
    if (entry.orgId !== query.orgId) return;
    pending.push(entry);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  // Organization-level entries replayed from the database may arrive on the bus as well.
  const replayedOrgIds = new Set<number>();
  try {
    const resumeFrom = query.after ? decodeCursor(query.after) : null;
    const replay = resumeFrom ? await missedSince(deps, query.orgId, resumeFrom, query.replayMax ?? REPLAY_MAX) : null;
    const cursor = replay && resumeFrom ? resumeFrom : await currentCursor(deps, query.orgId);
    const advance = (entry: ActivityEntry) => {
      if (entry.projectId) cursor.projects.set(entry.projectId, entry.seq!);
      else cursor.org = Math.max(cursor.org, entry.id);
      return { cursor: encodeCursor(cursor), event: { kind: 'change', change: entry } as LiveEvent };
    };
    yield { cursor: encodeCursor(cursor), event: { kind: 'ready', resumed: replay !== null } };
    for (const entry of replay ?? []) {
      if (!entry.projectId) replayedOrgIds.add(entry.id);
      yield advance(entry);
    }

    while (!signal?.aborted) {
      while (pending.length > 0) {
        const entry = pending.shift()!;
        if (!entry.projectId) {
          if (!replayedOrgIds.has(entry.id)) yield advance(entry);
          continue;
        }
        const last = cursor.projects.get(entry.projectId) ?? 0;
        if (entry.seq! <= last) continue;
        if (entry.seq! > last + 1) {
          // A gap: another process (replica, CLI against another server) committed entries this
          // bus never carried. Fetch them so the order per project stays exact.
          for (const missed of await listActivity(deps.db, {
            projectId: entry.projectId,
            afterSeq: last,
            limit: entry.seq! - last - 1,
          }))
            yield advance(missed);
        }
        yield advance(entry);
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
