/**
 * Where a ticket stands in the review loop, for `openase ticket why` and the drawer: its round,
 * the latest verdict, and whether it waits for a review, is being merged, or failed to merge.
 */
import { desc, eq } from 'drizzle-orm';
import { statuses, ticketReviews } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Ticket } from '../tickets/tickets.js';
import { reviewFlowFor } from './workflow.js';

export interface ReviewStanding {
  round: number;
  state: string | null;
  stage: 'awaiting_review' | 'merging' | 'merge_failed' | null;
  message: string | null;
}

export async function reviewStanding(db: DbOrTx, ticket: Ticket): Promise<ReviewStanding> {
  const flow = await reviewFlowFor(db, ticket);
  const [latest] = await db
    .select()
    .from(ticketReviews)
    .where(eq(ticketReviews.ticketId, ticket.id))
    .orderBy(desc(ticketReviews.createdAt))
    .limit(1);
  const base = { round: ticket.reviewRound, state: ticket.reviewState };
  const id = ticket.identifier;
  if (flow?.merge?.statusId === ticket.statusId) {
    if (ticket.mergeError)
      return {
        ...base,
        stage: 'merge_failed',
        message: `${id} could not be merged: ${ticket.mergeError}; \`openase ticket retry ${id}\` tries again`,
      };
    return {
      ...base,
      stage: 'merging',
      message: `${id} was approved in review round ${ticket.reviewRound} and is being merged; it moves on once merged`,
    };
  }
  if (flow?.reviewStatusIds.includes(ticket.statusId)) {
    const [status] = await db.select({ name: statuses.name }).from(statuses).where(eq(statuses.id, ticket.statusId));
    const verdict =
      latest && latest.round === ticket.reviewRound && latest.state === 'approved'
        ? ` (approved by ${latest.authorName}${flow.merge ? '' : '; move it on when ready'})`
        : '';
    return {
      ...base,
      stage: 'awaiting_review',
      message: `${id} waits for review round ${ticket.reviewRound} in ${status?.name ?? 'its review status'}${verdict}: approve or request changes in the console or with \`openase ticket review ${id}\``,
    };
  }
  if (latest && (ticket.reviewRound > 1 || latest.state === 'approved')) {
    // The latest verdict as it was: a merged ticket's approval is not "requested changes".
    const verdict =
      latest.state === 'merge_conflict'
        ? 'the merge conflicted'
        : latest.state === 'approved'
          ? `${latest.authorName} approved it`
          : `${latest.authorName} requested changes`;
    return {
      ...base,
      stage: null,
      message: `review round ${ticket.reviewRound}: ${verdict} in round ${latest.round}`,
    };
  }
  return { ...base, stage: null, message: null };
}
