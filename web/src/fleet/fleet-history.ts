/** The fleet's minutes (`machines.history`) grouped into buckets for the charts (pure). */
export interface HistoryMachine {
  name: string;
  slots: number;
  points: Array<{ minute: string; slotsUsed: number; load: number | null }>;
}
export interface Buckets {
  labels: string[];
  online: boolean[];
  slotsUsed: number[];
  load: number[];
}

/** `bucketMin` minutes a bucket, from `since` to `now`: online if any minute had a heartbeat; the maxima otherwise. */
export function bucketize(m: HistoryMachine, since: string, now: string, bucketMin: number): Buckets {
  const t0 = Date.parse(since);
  const size = bucketMin * 60_000;
  const n = Math.max(1, Math.ceil((Date.parse(now) - t0 + 1) / size));
  const out: Buckets = { labels: [], online: [], slotsUsed: [], load: [] };
  for (let i = 0; i < n; i++) {
    const at = new Date(t0 + i * size);
    out.labels.push(at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
    out.online.push(false);
    out.slotsUsed.push(0);
    out.load.push(0);
  }
  for (const p of m.points) {
    const i = Math.floor((Date.parse(p.minute) - t0) / size);
    if (i < 0 || i >= n) continue;
    out.online[i] = true;
    out.slotsUsed[i] = Math.max(out.slotsUsed[i]!, p.slotsUsed);
    out.load[i] = Math.max(out.load[i]!, p.load ?? 0);
  }
  return out;
}
