/**
 * After a merge conflict: the ticket's agent resolved it (its daemon merged the default branch into
 * the worktree, the agent fixed the markers, the daemon committed and pushed the merge) and finished
 * the ticket. The approval that led to the conflicted merge stands, so the platform approves the new
 * round itself and the ticket enters the merge status again, where the leader merges it (merge.ts).
 * Called once the finishing run's gate passed, i.e. after its last push.
 */
import { eq } from 'drizzle-orm';
import { projects, runs, tickets } from '../db/schema.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { recordReview, type ReviewOutcome } from './reviews.js';
import { reviewFlowFor } from './workflow.js';

export async function approveResolvedConflict(
  deps: Deps,
  actor: (orgId: string) => Actor,
  runId: string,
): Promise<ReviewOutcome | null> {
  const [run] = await deps.db.select({ ticketId: runs.ticketId }).from(runs).where(eq(runs.id, runId));
  if (!run?.ticketId) return null;
  const ticketId = run.ticketId;
  return inTransaction(deps, async (tx, changes) => {
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, ticketId)).for('update');
    if (!ticket || ticket.reviewState !== 'merge_conflict') return null;
    const flow = await reviewFlowFor(tx, ticket);
    if (!flow?.merge || !flow.reviewStatusIds.includes(ticket.statusId)) return null;
    const [project] = await tx
      .select({ orgId: projects.orgId })
      .from(projects)
      .where(eq(projects.id, ticket.projectId));
    return recordReview(tx, deps, changes, actor(project!.orgId), ticket, {
      state: 'approved',
      source: 'platform',
      body: `The agent resolved the merge conflict of review round ${ticket.reviewRound - 1}; its approval stands.`,
      comments: [],
    });
  });
}
