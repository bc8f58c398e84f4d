/** Comments on tickets. Editing keeps every earlier body as a revision. */
import { asc, eq } from 'drizzle-orm';
import { commentAddInput, commentEditInput, forbidden, notFound, roleAtLeast } from '@openase/shared';
import type { z } from 'zod';
import { commentRevisions, comments } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole, roleInProject } from '../auth/permissions.js';
import { memberInput } from '../auth/project-write.js';
import { resolveTicket, ticketsByIds } from './tickets.js';
import { onTicket } from './ticket-write.js';

export type Comment = typeof comments.$inferSelect;
export type CommentRevision = typeof commentRevisions.$inferSelect;

/** Who wrote a comment or a review: the actor as its author columns keep it (a token's user, else the actor). */
export function authorOf(actor: Actor) {
  return { authorType: actor.type, authorId: actor.userId ?? actor.id, authorName: actor.name };
}

export async function addComment(deps: Deps, actor: Actor, raw: z.input<typeof commentAddInput>): Promise<Comment> {
  return onTicket(deps, actor, 'comment', commentAddInput, raw, async ({ tx, changes, ticket, input }) => {
    const now = deps.clock.now();
    const comment = await insertNew(tx, deps, comments, {
      ticketId: ticket.id,
      ...authorOf(actor),
      body: input.body,
      anchor: input.anchor ?? null,
      reviewRound: ticket.reviewRound,
      createdAt: now,
      updatedAt: now,
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: ticket.projectId,
      ticketId: ticket.id,
      action: 'comment.added',
      entityType: 'comment',
      entityId: comment.id,
      summary: input.anchor
        ? `commented on ${ticket.identifier} at ${input.anchor.path}:${input.anchor.line}`
        : `commented on ${ticket.identifier}`,
      after: { body: input.body, ...(input.anchor ? { anchor: input.anchor } : {}) },
    });
    return comment;
  });
}

export async function editComment(deps: Deps, actor: Actor, raw: z.input<typeof commentEditInput>): Promise<Comment> {
  const input = await memberInput(deps, actor, 'edit comments', commentEditInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const [comment] = await tx.select().from(comments).where(eq(comments.id, input.commentId)).for('update');
    if (!comment) throw notFound(`comment ${input.commentId} does not exist`);
    const [ticket] = await ticketsByIds(tx, [comment.ticketId]);
    // Resolving through the org proves the comment is visible to this actor.
    await resolveTicket(tx, actor.orgId, ticket!.id);
    // The role in the comment's project: a member made viewer there no longer edits, owners and admins may.
    const role = await roleInProject(tx, actor, ticket!.projectId);
    requireRole(actor, 'member', 'edit comments', role);
    const author = actor.userId ?? actor.id;
    if (comment.authorId !== author && !roleAtLeast(role, 'admin'))
      throw forbidden('only the author of a comment or an admin can edit it');
    if (comment.body === input.body) return comment;
    const now = deps.clock.now();
    await tx.insert(commentRevisions).values({
      id: deps.ids.uuid(),
      commentId: comment.id,
      revision: comment.revision,
      body: comment.body,
      createdAt: comment.updatedAt,
    });
    const [updated] = await tx
      .update(comments)
      .set({ body: input.body, updatedAt: now, revision: comment.revision + 1 })
      .where(eq(comments.id, comment.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: ticket!.projectId,
      ticketId: ticket!.id,
      action: 'comment.edited',
      entityType: 'comment',
      entityId: comment.id,
      summary: `edited a comment on ${ticket!.identifier}`,
      before: { body: comment.body },
      after: { body: input.body },
    });
    return updated!;
  });
}

export async function listComments(db: DbOrTx, ticketId: string): Promise<Comment[]> {
  return db.select().from(comments).where(eq(comments.ticketId, ticketId)).orderBy(asc(comments.createdAt));
}

export async function commentHistory(db: DbOrTx, orgId: string, commentId: string): Promise<CommentRevision[]> {
  const [comment] = await db.select({ ticketId: comments.ticketId }).from(comments).where(eq(comments.id, commentId));
  if (!comment) throw notFound(`comment ${commentId} does not exist`);
  await resolveTicket(db, orgId, comment.ticketId); // visible to this organization?
  return db
    .select()
    .from(commentRevisions)
    .where(eq(commentRevisions.commentId, commentId))
    .orderBy(asc(commentRevisions.revision));
}
