/**
 * The durable per-run spool: every event is appended to `spool.jsonl` with its seq BEFORE it is
 * sent. Each record also carries the output-file offsets consumed so far (`o`) and the counts of
 * events dropped past the run's cap (`d`), so one append moves "what was read" and "what will be
 * sent" together: after a crash the daemon resumes exactly where the last whole record ends —
 * every output line becomes exactly one event. A torn last record (crash mid-write) is cut off.
 */
import fs from 'node:fs';
import type { RunEvent, SequencedRunEvent } from '@openase/shared/events/run-events';

export interface SpoolCursor {
  /** Bytes of stdout/stderr consumed. */
  o: { stdout: number; stderr: number };
  /** Events and bytes dropped past the cap (reported by a `truncation` event at the end). */
  d: { events: number; bytes: number };
}

interface SpoolRecord extends SpoolCursor {
  seq?: number;
  ts?: number;
  event?: RunEvent;
}

export interface SpoolLimits {
  maxEvents: number;
  maxBytes: number;
}

export function spoolLimits(env: NodeJS.ProcessEnv = process.env): SpoolLimits {
  return {
    maxEvents: Number(env.OPENASE_AGENT_MAX_EVENTS) || 200_000,
    maxBytes: Number(env.OPENASE_AGENT_MAX_SPOOL_BYTES) || 256 * 1024 * 1024,
  };
}

export class Spool {
  /** Events not yet acknowledged by the control plane, in seq order. */
  readonly unacked: SequencedRunEvent[] = [];
  nextSeq = 1;
  bytes = 0;
  cursor: SpoolCursor = { o: { stdout: 0, stderr: 0 }, d: { events: 0, bytes: 0 } };

  private constructor(
    private readonly file: string,
    private readonly limits: SpoolLimits,
  ) {}

  /** Opens (or recovers) the spool of a run. */
  static open(file: string, limits: SpoolLimits): Spool {
    const spool = new Spool(file, limits);
    if (!fs.existsSync(file)) return spool;
    const data = fs.readFileSync(file, 'utf8');
    let good = 0;
    let start = 0;
    for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
      const line = data.slice(start, nl);
      let rec: SpoolRecord;
      try {
        rec = JSON.parse(line) as SpoolRecord;
      } catch {
        break;
      }
      start = nl + 1;
      good = start;
      spool.cursor = { o: rec.o, d: rec.d };
      if (rec.seq !== undefined && rec.event) {
        spool.unacked.push({ seq: rec.seq, ts: rec.ts ?? 0, event: rec.event });
        spool.nextSeq = rec.seq + 1;
        spool.bytes += line.length;
      }
    }
    if (Buffer.byteLength(data.slice(0, good)) !== Buffer.byteLength(data))
      fs.truncateSync(file, Buffer.byteLength(data.slice(0, good)));
    return spool;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Whether another event fits under the run's cap (one slot is kept for the truncation marker). */
  private fits(size: number): boolean {
    return this.nextSeq <= this.limits.maxEvents - 1 && this.bytes + size <= this.limits.maxBytes;
  }

  /**
   * Appends events, each with the output offsets consumed once it is emitted, in one write.
   * Events past the cap are counted as dropped (a cursor record keeps the count and offsets),
   * never silently lost: the run ends with a `truncation` event saying how many.
   */
  append(items: Array<{ event: RunEvent; o: SpoolCursor['o'] }>, opts: { force?: boolean } = {}): void {
    const now = Date.now();
    const lines: string[] = [];
    const d = { ...this.cursor.d };
    let o = this.cursor.o;
    let dropping = false;
    for (const { event, o: after } of items) {
      const size = JSON.stringify(event).length;
      o = after;
      if (!opts.force && !this.fits(size)) {
        d.events++;
        d.bytes += size;
        dropping = true;
        continue;
      }
      if (dropping) lines.push(JSON.stringify({ o, d: { ...d } }));
      dropping = false;
      const line = JSON.stringify({ seq: this.nextSeq, ts: now, event, o: after, d: { ...d } } satisfies SpoolRecord);
      lines.push(line);
      this.unacked.push({ seq: this.nextSeq, ts: now, event });
      this.nextSeq++;
      this.bytes += line.length;
    }
    if (dropping) lines.push(JSON.stringify({ o, d: { ...d } }));
    if (lines.length === 0) return;
    fs.appendFileSync(this.file, `${lines.join('\n')}\n`);
    this.cursor = { o: { ...o }, d };
  }

  /** Drops acknowledged events from memory (they stay on disk until the run is closed). */
  ack(ackedSeq: number): void {
    let n = 0;
    while (n < this.unacked.length && this.unacked[n]!.seq <= ackedSeq) n++;
    if (n) this.unacked.splice(0, n);
  }
}
