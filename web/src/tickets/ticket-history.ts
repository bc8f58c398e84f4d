/**
 * A ticket's whole story in one stream, newest first: its activity (moves, edits, dispatches, approvals…), its
 * comments with their text, and each run with its outcome — which the activity log does not hold (a run's end is a
 * run's state, not an activity entry). A comment's own "commented" entry is left out: the comment stands for it.
 */
import type { TicketDetail } from './ticket-store';

type Activity = TicketDetail['activity'][number];
type Comment = TicketDetail['comments'][number];
type Run = TicketDetail['runs'][number];

export type HistoryItem =
  | { kind: 'activity'; key: string; at: string; entry: Activity }
  | { kind: 'comment'; key: string; at: string; comment: Comment }
  | { kind: 'run'; key: string; at: string; run: Run };

const iso = (t: string | Date) => (typeof t === 'string' ? t : t.toISOString());

export function ticketHistory(detail: Pick<TicketDetail, 'activity' | 'comments' | 'runs'>): HistoryItem[] {
  const items: HistoryItem[] = [
    ...detail.activity
      .filter((entry) => entry.action !== 'comment.added')
      .map((entry) => ({ kind: 'activity' as const, key: `a${entry.id}`, at: iso(entry.createdAt), entry })),
    ...detail.comments.map((comment) => ({
      kind: 'comment' as const,
      key: `c${comment.id}`,
      at: iso(comment.createdAt),
      comment,
    })),
    // A run sits where it ended (or started, while it goes on): that is when its outcome became known.
    ...detail.runs.map((run) => ({
      kind: 'run' as const,
      key: `r${run.id}`,
      at: iso(run.finishedAt ?? run.startedAt ?? run.createdAt),
      run,
    })),
  ];
  return items.sort((a, b) => b.at.localeCompare(a.at) || a.key.localeCompare(b.key));
}
