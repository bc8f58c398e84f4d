/**
 * What the agent's next run is told after a review round closed: the verdict, every comment a
 * person (or the git host) wrote in that round, line comments with their file:line and the line
 * they point at, or the merge conflict with its hunks. Added to the run's first-turn prompt.
 */
import { and, asc, desc, eq, ne, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { CommentAnchor } from '@openase/shared';
import { comments, ticketReviews } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';

/** Rows of one review round of a ticket: its reviews, or the comments written in that round. */
export function inReviewRound(ticketColumn: PgColumn, roundColumn: PgColumn, ticketId: string, round: number): SQL {
  return and(eq(ticketColumn, ticketId), eq(roundColumn, round))!;
}

export async function reviewFeedback(
  db: DbOrTx,
  ticket: { id: string; reviewRound: number },
  finish: string,
): Promise<string | null> {
  if (ticket.reviewRound <= 1) return null;
  const round = ticket.reviewRound - 1;
  const [review] = await db
    .select()
    .from(ticketReviews)
    .where(
      and(
        inReviewRound(ticketReviews.ticketId, ticketReviews.round, ticket.id, round),
        ne(ticketReviews.state, 'approved'),
      ),
    )
    .orderBy(desc(ticketReviews.createdAt))
    .limit(1);
  if (!review) return null;
  if (review.state === 'merge_conflict')
    return [
      `## Review round ${round}: the approved branch could not be merged`,
      '',
      review.body,
      '',
      `The default branch is merged into your worktree before you start (below): resolve every conflict, run the tests, and move the ticket to ${finish} again; the platform commits and pushes the merge, then merges the ticket again.`,
    ].join('\n');
  const notes = await db
    .select()
    .from(comments)
    .where(
      and(inReviewRound(comments.ticketId, comments.reviewRound, ticket.id, round), ne(comments.authorType, 'agent')),
    )
    .orderBy(asc(comments.createdAt));
  const general = notes.filter((c) => !c.anchor);
  const anchored = notes
    .filter((c) => c.anchor)
    .map((c) => ({ ...c, anchor: c.anchor as CommentAnchor }))
    .sort((a, b) => a.anchor.path.localeCompare(b.anchor.path) || a.anchor.line - b.anchor.line);
  const lines = [
    `## Review round ${round}: changes requested by ${review.authorName}`,
    '',
    `Address every comment below, commit, and move the ticket to ${finish} again. If you disagree with one, say why in a ticket comment.`,
  ];
  for (const c of general) lines.push('', `${c.authorName}: ${c.body}`);
  if (anchored.length) {
    lines.push('', 'Line comments:');
    for (const c of anchored) {
      const where = `${c.anchor.repo ? `${c.anchor.repo}/` : ''}${c.anchor.path}:${c.anchor.line}`;
      const side = c.anchor.side === 'old' ? ' (a removed line, numbered in the base)' : '';
      const quoted = c.anchor.text !== undefined ? ` at \`${c.anchor.text.trim().slice(0, 200)}\`` : '';
      lines.push(`- ${where}${side}${quoted}`, `  ${c.authorName}: ${c.body.replace(/\n/g, '\n  ')}`);
    }
  }
  return lines.join('\n');
}
