/**
 * The fleet over time, kept sparse: one row per machine and minute (`machine_history`), never one per heartbeat.
 * The first heartbeat of a machine's minute inserts the row; later beats of that minute only raise the in-memory
 * maximum of its load, which is written when the machine's next minute begins, and a rise in runs in flight, which is
 * written at once (bounded by the slots). So a machine costs about one statement a minute (machines beating in the same
 * moment share it), however often it beats and whether or not anything else about it is written. Rows older than
 * MACHINE_HISTORY_KEEP_HOURS go, at most every ten minutes.
 */
import { and, asc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import { MACHINE_HISTORY_KEEP_HOURS, machineHistoryInput } from '@openase/shared';
import type { z } from 'zod';
import { machineHistory, machines } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import { errField, type Logger } from '../kernel/logger.js';

export const MINUTE_MS = 60_000;
const PRUNE_EVERY_MS = 10 * MINUTE_MS;

interface Minute {
  machineId: string;
  minute: number;
  slotsUsed: number;
  load: number | null;
}

export class MachineHistoryWriter {
  private current = new Map<string, Minute>();
  private pending: Minute[] = [];
  private writing: Promise<void> | null = null;
  private prunedAt = 0;

  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly log: Logger,
  ) {}

  note(machineId: string, at: Date, slotsUsed: number, load: number | undefined): void {
    const minute = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
    const cur = this.current.get(machineId);
    if (cur && cur.minute === minute) {
      if (load !== undefined) cur.load = Math.max(cur.load ?? load, load);
      // More runs in flight than this minute's row says: written at once, so the chart never says
      // "no run in flight" beside a machine that is running one (a rise happens at most once per slot).
      if (slotsUsed > cur.slotsUsed) {
        cur.slotsUsed = slotsUsed;
        this.pending.push({ ...cur });
        this.writing ??= this.writeAll();
      }
      return;
    }
    const next: Minute = { machineId, minute, slotsUsed, load: load ?? null };
    // The minute that ended (its maximum) and the one that begins, in one statement.
    if (cur) this.pending.push(cur);
    this.pending.push({ ...next });
    this.current.set(machineId, next);
    this.writing ??= this.writeAll();
  }

  /** Resolves once everything noted so far is written (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.pending.length) {
        const rows = this.pending;
        this.pending = [];
        await this.write(rows).catch((err: Error) =>
          this.log.error(errField(err), `[fleet] could not store machine history: ${err.message}`),
        );
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(rows: Minute[]): Promise<void> {
    await this.deps.db
      .insert(machineHistory)
      .values(rows.map((r) => ({ ...r, minute: new Date(r.minute) })))
      .onConflictDoUpdate({
        target: [machineHistory.machineId, machineHistory.minute],
        set: {
          slotsUsed: sql`greatest(${machineHistory.slotsUsed}, excluded.slots_used)`,
          load: sql`greatest(${machineHistory.load}, excluded.load)`,
        },
      });
    // Pruned by the clock of the beats themselves (the newest minute written), never the host's.
    const now = Math.max(...rows.map((r) => r.minute));
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.deps.db
      .delete(machineHistory)
      .where(lt(machineHistory.minute, new Date(now - MACHINE_HISTORY_KEEP_HOURS * 3_600_000)));
  }
}

export interface MachineTimeline {
  name: string;
  slots: number;
  /** Minutes with a heartbeat, oldest first (a minute missing is a minute offline). */
  points: Array<{ minute: string; slotsUsed: number; load: number | null }>;
}

/** `machines.history`: the organization's machines (not revoked) and their minutes since `hours` ago. */
export async function machineHistoryView(
  db: DbOrTx,
  orgId: string,
  now: Date,
  raw: z.input<typeof machineHistoryInput>,
): Promise<{ since: string; now: string; minuteMs: number; machines: MachineTimeline[] }> {
  const { hours } = machineHistoryInput.parse(raw);
  const since = new Date(Math.floor((now.getTime() - hours * 3_600_000) / MINUTE_MS) * MINUTE_MS);
  const list = await db
    .select({ id: machines.id, name: machines.name, slots: machines.slots })
    .from(machines)
    .where(and(eq(machines.orgId, orgId), isNull(machines.revokedAt)))
    .orderBy(asc(machines.name));
  const rows = list.length
    ? await db
        .select()
        .from(machineHistory)
        .where(
          and(
            inArray(
              machineHistory.machineId,
              list.map((m) => m.id),
            ),
            gte(machineHistory.minute, since),
          ),
        )
        .orderBy(asc(machineHistory.minute))
    : [];
  return {
    since: since.toISOString(),
    now: now.toISOString(),
    minuteMs: MINUTE_MS,
    machines: list.map((m) => ({
      name: m.name,
      slots: m.slots,
      points: rows
        .filter((r) => r.machineId === m.id)
        .map((r) => ({ minute: r.minute.toISOString(), slotsUsed: r.slotsUsed, load: r.load })),
    })),
  };
}
