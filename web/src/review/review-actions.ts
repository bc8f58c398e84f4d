/** What a reviewer does from the drawer: line comments, approve / request changes, retry a failed merge. */
import type { CommentAnchor } from '@openase/shared';
import { api } from '../api/client';
import { useTicket } from '../tickets/ticket-store';
import { useNotices } from '../ui/notices';

export function useReviewActions() {
  const ticket = useTicket();
  const id = () => ticket.detail!.identifier;
  return {
    lineComment(anchor: CommentAnchor, body: string) {
      return ticket.run('Could not add the line comment', () =>
        api.comments.add.mutate({ ticket: id(), body, anchor }),
      );
    },
    async review(verdict: 'approve' | 'request_changes', body: string) {
      let moved: string | null = null;
      const ok = await ticket.run(
        verdict === 'approve' ? 'Could not approve' : 'Could not request changes',
        async () => {
          moved = (await api.tickets.review.mutate({ ticket: id(), verdict, body: body.trim() || undefined })).movedTo;
        },
      );
      if (ok)
        useNotices().info(
          verdict === 'approve'
            ? `Approved${moved ? `; moved to ${moved}` : ''}`
            : `Changes requested${moved ? `; back to ${moved} for the agent` : ''}`,
        );
      return ok;
    },
    retryMerge() {
      return ticket.run('Could not retry the merge', () => api.tickets.retry.mutate({ ticket: id() }));
    },
  };
}
