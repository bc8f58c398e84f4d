/**
 * The timeline's rows (pure): per ticket, its time in each status as segments, its agent runs as bars and its
 * milestones (created, picked up, In Review, Done), each placed as a fraction of the window [since, now].
 */
import { milestones, runOutcome, type InsightFacts, type RunOutcome } from '@openase/shared';

export type SegmentKind = 'waiting' | 'working' | 'review' | 'done' | 'canceled' | 'before';
export interface Placed {
  left: number;
  width: number;
}
export interface TimelineRow {
  id: string;
  identifier: string;
  title: string;
  segments: Array<Placed & { status: string; kind: SegmentKind }>;
  runs: Array<Placed & { outcome: RunOutcome | 'active'; state: string }>;
  marks: Array<{ at: number; what: string; when: string }>;
}

const ACTIVE = new Set(['queued', 'offered', 'preparing', 'running']);

function kindOf(status: string, stage: string | undefined): SegmentKind {
  if (/review/i.test(status)) return 'review';
  if (stage === 'completed') return 'done';
  if (stage === 'canceled') return 'canceled';
  if (stage === 'started') return 'working';
  return 'waiting';
}

export function timelineRows(facts: InsightFacts): TimelineRow[] {
  const t0 = Date.parse(facts.since);
  const t1 = Date.parse(facts.now);
  const span = Math.max(1, t1 - t0);
  const clamp = (t: number) => Math.min(1, Math.max(0, (t - t0) / span));
  const place = (from: number, to: number): Placed => ({
    left: clamp(from),
    width: Math.max(0.002, clamp(to) - clamp(from)),
  });
  const stage = new Map(facts.statuses.map((s) => [s.name, s.stage]));
  return facts.tickets
    .map((ticket) => {
      const created = Date.parse(ticket.createdAt);
      const moves = facts.moves.filter((m) => m.ticketId === ticket.id).sort((a, b) => a.at.localeCompare(b.at));
      const segments: TimelineRow['segments'] = [];
      // Before the first move in the window the status is the one it was created in (or unknown: "before").
      const steps = [
        { at: created, status: moves.length ? '' : ticket.status },
        ...moves.map((m) => ({ at: Date.parse(m.at), status: m.status })),
      ];
      steps.forEach((s, i) => {
        const end = i + 1 < steps.length ? steps[i + 1]!.at : t1;
        if (end <= t0) return;
        const kind = s.status ? kindOf(s.status, stage.get(s.status)) : 'before';
        segments.push({ ...place(Math.max(s.at, t0), end), status: s.status || 'before its first move', kind });
      });
      const runs = facts.runs
        .filter((r) => r.ticketId === ticket.id)
        .map((r) => {
          const from = Date.parse(r.startedAt ?? r.createdAt);
          const to = r.finishedAt ? Date.parse(r.finishedAt) : t1;
          return {
            ...place(from, to),
            outcome: ACTIVE.has(r.state) ? ('active' as const) : runOutcome(r.state),
            state: r.state,
          };
        });
      const m = milestones(facts, ticket);
      const marks = (
        [
          ['created', m.created],
          ['picked up', m.pickedUp],
          ['In Review', m.inReview],
          ['done', m.done],
        ] as const
      ).flatMap(([what, when]) =>
        when && Date.parse(when) >= t0 ? [{ at: clamp(Date.parse(when)), what, when }] : [],
      );
      return { id: ticket.id, identifier: ticket.identifier, title: ticket.title, segments, runs, marks, created };
    })
    .sort((a, b) => a.created - b.created)
    .map(({ created: _, ...row }) => row);
}

/** Gridlines of the window: one per day (zoom "day") or per week (zoom "week"), as fractions with a label. */
export function gridlines(facts: InsightFacts, zoom: 'day' | 'week'): Array<{ at: number; label: string }> {
  const t0 = Date.parse(facts.since);
  const t1 = Date.parse(facts.now);
  const stepDays = zoom === 'week' ? 7 : 1;
  const lines: Array<{ at: number; label: string }> = [];
  for (let t = t0; t <= t1; t += stepDays * 86_400_000)
    lines.push({ at: (t - t0) / Math.max(1, t1 - t0), label: new Date(t).toISOString().slice(5, 10) });
  return lines;
}
