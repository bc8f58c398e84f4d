import { describe, expect, it } from 'vitest';
import { ticketHistory } from './ticket-history';

type Detail = Parameters<typeof ticketHistory>[0];

describe("a ticket's history", () => {
  it('interleaves activity, comments and runs newest first, a comment standing for its own entry', () => {
    const detail = {
      activity: [
        { id: '1', action: 'ticket.created', createdAt: '2026-12-01T10:00:00.000Z' },
        { id: '2', action: 'comment.added', createdAt: '2026-12-01T10:05:00.000Z' },
        { id: '3', action: 'ticket.moved', createdAt: '2026-12-01T10:10:00.000Z' },
      ],
      comments: [{ id: 'c', createdAt: '2026-12-01T10:05:00.000Z' }],
      runs: [
        { id: 'r1', createdAt: '2026-12-01T10:10:01.000Z', startedAt: '2026-12-01T10:10:02.000Z', finishedAt: null },
        {
          id: 'r0',
          createdAt: '2026-12-01T09:00:00.000Z',
          startedAt: '2026-12-01T09:00:01.000Z',
          finishedAt: '2026-12-01T10:07:00.000Z',
        },
      ],
    } as unknown as Detail;
    expect(ticketHistory(detail).map((i) => i.key)).toEqual(['rr1', 'a3', 'rr0', 'cc', 'a1']);
  });
});
