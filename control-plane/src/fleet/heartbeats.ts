/**
 * Heartbeats written together. A thousand daemons beating every 15 s are 67 updates a second;
 * each would be its own statement and commit. Instead the latest heartbeat of each machine waits
 * here and one UPDATE writes every pending machine, `gatherMs` after the first beat arrives at an
 * idle writer, or right after the write in flight (a later beat of a machine replaces its earlier
 * one). Liveness itself is decided in memory by the hub (`lastSeen` of the session); the row is
 * what people, other replicas (a machine is online while its row was seen within
 * `disconnectAfterMs`) and `lost` detection see.
 * A beat that changes nothing a reader acts on (the slots used, the commands, an inventory) is not
 * written until the row's `last_seen_at` is `refreshMs` old: with the defaults (beats every 15 s,
 * online for 45 s) every other beat, the row never older than 30 s. Load and free disk ride along.
 */
import { sql } from 'drizzle-orm';
import type { DaemonFrame } from '@openase/shared';
import { machines } from '../db/schema.js';
import { errField, type Logger } from '../kernel/logger.js';
import type { Deps } from '../kernel/context.js';

export interface Heartbeat {
  machineId: string;
  seenAt: Date;
  slotsUsed: number;
  load?: number;
  diskFreeBytes?: number;
  clis?: Extract<DaemonFrame, { type: 'heartbeat' }>['clis'];
  commands?: Extract<DaemonFrame, { type: 'heartbeat' }>['commands'];
}

/** How long a machine's row may go unwritten while its beats change nothing: written at the first beat after it,
 * the row is at most this plus one beat old, kept half a beat under `disconnectAfterMs`. */
export function heartbeatRefreshMs(t: { heartbeatMs: number; disconnectAfterMs: number }): number {
  return Math.max(0, t.disconnectAfterMs - 1.5 * t.heartbeatMs);
}

/** What a beat says that someone acts on (load and free disk are shown, not acted on). */
function changeKey(beat: Heartbeat): string {
  return `${beat.slotsUsed}|${beat.commands?.length ? JSON.stringify(beat.commands) : ''}`;
}

export class HeartbeatWriter {
  private pending = new Map<string, Heartbeat>();
  private writing: Promise<void> | null = null;
  /** Per machine: when its row was last written, and what the beat said. */
  private written = new Map<string, { at: number; key: string }>();
  /** Beats kept in memory only (metrics, tests). */
  skipped = 0;

  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly log: Logger,
    private readonly gatherMs = 100,
    private readonly refreshMs = 0,
  ) {}

  record(beat: Heartbeat): void {
    const last = this.written.get(beat.machineId);
    if (
      last &&
      !beat.clis &&
      !this.pending.has(beat.machineId) &&
      last.key === changeKey(beat) &&
      beat.seenAt.getTime() - last.at < this.refreshMs
    ) {
      this.skipped++;
      return;
    }
    // A later beat replaces an earlier unwritten one, but an inventory it does not carry is kept.
    const earlier = this.pending.get(beat.machineId);
    this.pending.set(beat.machineId, !beat.clis && earlier?.clis ? { ...beat, clis: earlier.clis } : beat);
    this.writing ??= this.writeAll();
  }

  /** A machine's session ended: its next beat is written whatever it says. */
  forget(machineId: string): void {
    this.written.delete(machineId);
  }

  /** Resolves once everything recorded so far is written (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      if (this.gatherMs > 0) await new Promise((resolve) => setTimeout(resolve, this.gatherMs).unref?.());
      while (this.pending.size) {
        const beats = [...this.pending.values()];
        this.pending = new Map();
        await this.write(beats).then(
          () => {
            for (const b of beats) this.written.set(b.machineId, { at: b.seenAt.getTime(), key: changeKey(b) });
          },
          (err: Error) => {
            for (const b of beats) this.written.delete(b.machineId);
            this.log.error(errField(err), `[fleet] could not store ${beats.length} heartbeat(s): ${err.message}`);
          },
        );
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(beats: Heartbeat[]): Promise<void> {
    const rows = beats.map((b) => ({
      id: b.machineId,
      seen: b.seenAt.toISOString(),
      hb: {
        slotsUsed: b.slotsUsed,
        ...(b.load !== undefined ? { load: b.load } : {}),
        ...(b.diskFreeBytes !== undefined ? { diskFreeBytes: b.diskFreeBytes } : {}),
        ...(b.commands?.length ? { commands: b.commands } : {}),
      },
      clis: b.clis ?? null,
    }));
    await this.deps.db.execute(sql`
      update ${machines} set last_seen_at = v.seen, last_heartbeat = v.hb, clis = coalesce(v.clis, ${machines.clis})
      from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as v(id uuid, seen timestamptz, hb jsonb, clis jsonb)
      where ${machines.id} = v.id`);
  }
}
