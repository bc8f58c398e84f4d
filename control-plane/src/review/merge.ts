/**
 * The merge stage: a ticket that entered its workflow's merge status is merged by the platform,
 * repository by repository, with the project's method (merge, squash, rebase), then moved to the
 * workflow's done status. Where a repository has a pull request on the git host and a token, the
 * host merges it (a `MergeBackend` such as integrations/github); anywhere else a connected machine
 * merges into the default branch itself (`git.request merge`, agent-daemon/src/workspace/merge.ts).
 *
 * - a conflict → a `merge_conflict` review: back to the rework status with the conflicting hunks
 *   as the next run's prompt;
 * - any other failure (no machine, a rejected push) → `tickets.merge_error`, shown on the ticket;
 *   `openase ticket retry` (or the console's Retry) tries again.
 *
 * Runs on the leader (one merge per ticket at a time); the leader's sweep picks up tickets that
 * wait in a merge status (after a restart, or once a machine connects).
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { MERGE_METHODS, type GitMergeResult, type MergeMethod } from '@openase/shared';
import { projects, statuses, ticketReviews, tickets, workflows, workflowVersions } from '../db/schema.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { applyMove, type Ticket } from '../tickets/tickets.js';
import { chooseGitMachine, ticketGitContext, type FleetGit } from './diff.js';
import { recordReview } from './reviews.js';
import { inReviewRound } from './feedback.js';
import { reviewFlowFor } from './workflow.js';
import type { ResolvedMerge } from '../workflows/validate-project.js';

export interface MergeRequest {
  ticket: Ticket;
  branch: string;
  repo: { name: string; url: string; defaultBranch: string };
  method: MergeMethod;
  deleteBranch: boolean;
  approvedBy: string[];
}

/** A git host that merges pull requests itself: null = not its repository (the next backend tries). */
export interface MergeBackend {
  merge(req: MergeRequest): Promise<GitMergeResult | null>;
}

export interface MergeContext {
  deps: Deps;
  fleet: FleetGit;
  backends: MergeBackend[];
  actor(orgId: string): Actor;
}

export type MergeOutcome = 'merged' | 'conflict' | 'failed' | 'waiting' | 'skipped';

/** Merges one ticket that waits in its merge status. */
export async function mergeTicket(ctx: MergeContext, ticketId: string): Promise<MergeOutcome> {
  const { deps } = ctx;
  const [ticket] = await deps.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!ticket || ticket.mergeError || ticket.archivedAt) return 'skipped';
  const flow = await reviewFlowFor(deps.db, ticket);
  if (!flow?.merge || flow.merge.statusId !== ticket.statusId) return 'skipped';
  const [project] = await deps.db.select().from(projects).where(eq(projects.id, ticket.projectId));
  const git = await ticketGitContext(deps.db, ticket);
  const approvals = await deps.db
    .select({ name: ticketReviews.authorName })
    .from(ticketReviews)
    .where(
      and(
        inReviewRound(ticketReviews.ticketId, ticketReviews.round, ticket.id, ticket.reviewRound),
        eq(ticketReviews.state, 'approved'),
      ),
    );
  const method = (MERGE_METHODS as readonly string[]).includes(project!.mergeMethod)
    ? (project!.mergeMethod as MergeMethod)
    : 'merge';
  const results: Array<{ repo: string; result: GitMergeResult }> = [];
  try {
    for (const repo of git.repos) {
      const req: MergeRequest = {
        ticket,
        branch: git.branch,
        repo,
        method,
        deleteBranch: project!.deleteMergedBranch,
        approvedBy: [...new Set(approvals.map((a) => a.name))],
      };
      let result: GitMergeResult | null = null;
      for (const backend of ctx.backends) if (!result) result = await backend.merge(req);
      result ??= await platformMerge(ctx, req, git.worktreeMachines);
      if (result === null) return 'waiting';
      results.push({ repo: repo.name, result });
      if (result.outcome === 'conflict') break;
    }
  } catch (err) {
    await failMerge(ctx, ticket, (err as Error).message);
    return 'failed';
  }
  const conflicted = results.find((r) => r.result.outcome === 'conflict');
  return inTransaction(deps, async (tx, changes) => {
    const [locked] = await tx.select().from(tickets).where(eq(tickets.id, ticket.id)).for('update');
    if (!locked || locked.statusId !== ticket.statusId) return 'skipped';
    const actor = ctx.actor(project!.orgId);
    if (conflicted) {
      const r = conflicted.result;
      // A git host may report a conflict without naming files (GitHub): its words, then.
      const body = r.conflicts.length
        ? [
            `Merging ${git.branch} into the default branch of ${conflicted.repo} conflicts in: ${r.conflicts.join(', ')}.`,
            '',
            '```diff',
            r.detail,
            '```',
          ].join('\n')
        : r.detail;
      await recordReview(tx, deps, changes, actor, locked, {
        state: 'merge_conflict',
        source: 'platform',
        body,
        comments: [],
      });
      deps.log.warn(
        { component: 'merge', ticket: ticket.identifier },
        `[merge] ${ticket.identifier}: conflict in ${conflicted.repo} (${r.conflicts.join(', ') || 'reported by the git host'}); back to its agent`,
      );
      return 'conflict';
    }
    const [done] = await tx.select().from(statuses).where(eq(statuses.id, flow.merge!.doneStatusId));
    const summary = results.map((r) => `${r.repo}: ${r.result.detail}`).join('; ');
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(ticket),
      action: 'ticket.merged',
      summary: `merged ${ticket.identifier} (${method}): ${summary}`,
      after: { method, repos: results.map((r) => ({ repo: r.repo, ...r.result, detail: undefined })) },
    });
    await applyMove(tx, deps, changes, actor, locked, done!, { why: 'merged by the platform' });
    deps.log.info({ component: 'merge', ticket: ticket.identifier }, `[merge] ${ticket.identifier} merged: ${summary}`);
    return 'merged';
  });
}

/** A connected machine merges into the default branch; null = no machine to ask right now. */
async function platformMerge(
  ctx: MergeContext,
  req: MergeRequest,
  preferred: string[],
): Promise<GitMergeResult | null> {
  let machine;
  try {
    machine = await chooseGitMachine(ctx.deps.db, ctx.fleet, preferred);
  } catch {
    return null;
  }
  const reply = await ctx.fleet.git.request(
    machine.id,
    {
      kind: 'merge',
      ticket: { identifier: req.ticket.identifier, title: req.ticket.title, branch: req.branch },
      repo: req.repo,
      method: req.method,
      deleteBranch: req.deleteBranch,
      approvedBy: req.approvedBy,
    },
    { timeoutMs: 5 * 60_000 },
  );
  if (!reply.ok || !reply.merge) throw new Error(`machine ${machine.name}: ${reply.error ?? 'no answer'}`);
  return reply.merge;
}

async function failMerge(ctx: MergeContext, ticket: Ticket, message: string): Promise<void> {
  const text = message.slice(0, 2000);
  ctx.deps.log.warn(
    { component: 'merge', ticket: ticket.identifier },
    `[merge] ${ticket.identifier} could not be merged: ${text}`,
  );
  await inTransaction(ctx.deps, async (tx, changes) => {
    const [project] = await tx
      .select({ orgId: projects.orgId })
      .from(projects)
      .where(eq(projects.id, ticket.projectId));
    await tx
      .update(tickets)
      .set({ mergeError: text, updatedAt: ctx.deps.clock.now() })
      .where(eq(tickets.id, ticket.id));
    await recordActivity(tx, ctx.deps, changes, ctx.actor(project!.orgId), {
      ...aboutTicket(ticket),
      action: 'ticket.merge_failed',
      summary: `${ticket.identifier} could not be merged: ${text}; retry once the cause is fixed`,
      after: { error: text },
    });
  });
}

/** Tickets waiting in a merge status of an active workflow, not failed: what the leader's sweep merges. */
export async function ticketsWaitingToMerge(db: Deps['db']): Promise<string[]> {
  const rows = await db
    .select({ merge: workflowVersions.merge })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
    .where(eq(workflows.active, true));
  const statusIds = [
    ...new Set(rows.map((r) => (r.merge as ResolvedMerge | null)?.statusId).filter((s): s is string => !!s)),
  ];
  if (!statusIds.length) return [];
  const waiting = await db
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(inArray(tickets.statusId, statusIds), isNull(tickets.mergeError), isNull(tickets.archivedAt)));
  return waiting.map((t) => t.id);
}
