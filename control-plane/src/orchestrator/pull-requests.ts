/**
 * After a run finished its ticket: a pull request per GitHub repository of the job, opened or
 * updated, when the project has a GitHub token (its connection's, or the agent's secret
 * `GITHUB_TOKEN` / `GH_TOKEN`). Each outcome, opened or failed, is recorded in the ticket's activity.
 */
import { eq } from 'drizzle-orm';
import { projects, runs, tickets } from '../db/schema.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import { githubAccess, githubError, githubRepoOf, type GithubAccess } from '../integrations/github/client.js';
import { pullRequestBody, upsertPullRequest } from '../integrations/github/pull-requests.js';
import { orchestratorActor } from './dispatcher.js';
import type { StoredAgentJob } from './job-spec.js';

export async function openPullRequestsForRun(deps: Deps, runId: string, publicUrl: string): Promise<void> {
  const [run] = await deps.db.select().from(runs).where(eq(runs.id, runId));
  if (!run || run.kind !== 'agent' || !run.ticketId || !run.agentId || !run.projectId) return;
  const job = run.spec as StoredAgentJob;
  const access = await githubAccess(deps, run.projectId, run.agentId);
  if (!access) return;
  const repos = job.repos.filter((r) => githubRepoOf(r.url, access.config.host));
  if (repos.length === 0) return;
  const [row] = await deps.db
    .select({ ticket: tickets, slug: projects.slug })
    .from(tickets)
    .innerJoin(projects, eq(projects.id, tickets.projectId))
    .where(eq(tickets.id, run.ticketId));
  if (!row) return;
  await openTicketPullRequests(deps, access, {
    actor: orchestratorActor(run.orgId),
    ticket: row.ticket,
    slug: row.slug,
    branch: job.ticket.branch,
    repos,
    publicUrl,
    runId: run.id,
  });
}

export interface PullRequestOutcome {
  repository: string;
  url?: string;
  number?: number;
  state?: string;
  error?: string;
}

/**
 * A pull request of `branch` in each of `repos` (GitHub remotes), opened or updated, its body linking the ticket;
 * each outcome, opened or failed, recorded in the ticket's activity as `actor`. Also used by Project AI's "Open a PR
 * from this branch" (chat/workspace.ts).
 */
export async function openTicketPullRequests(
  deps: Deps,
  access: GithubAccess,
  req: {
    actor: Actor;
    ticket: typeof tickets.$inferSelect;
    slug: string;
    branch: string;
    repos: Array<{ name: string; url: string; defaultBranch: string }>;
    publicUrl: string;
    runId?: string;
  },
): Promise<PullRequestOutcome[]> {
  const { ticket } = req;
  const body = await pullRequestBody(
    deps.db,
    ticket,
    `${req.publicUrl.replace(/\/+$/, '')}/p/${req.slug}/board/${ticket.identifier}`,
  );
  const outcomes: PullRequestOutcome[] = [];
  for (const repo of req.repos) {
    let summary: string;
    let after: PullRequestOutcome;
    try {
      const pr = await upsertPullRequest(deps, access, {
        ticketId: ticket.id,
        identifier: ticket.identifier,
        title: ticket.title,
        branch: req.branch,
        repository: repo,
        body,
      });
      if (!pr) continue;
      summary = `pull request #${pr.number} for ${ticket.identifier} in ${repo.name} ${pr.created ? 'opened' : 'updated'}: ${pr.url}`;
      after = { url: pr.url, number: pr.number, state: pr.state, repository: repo.name };
    } catch (err) {
      summary = `could not open a pull request for ${ticket.identifier} in ${repo.name}: ${githubError(err)}`;
      after = { error: githubError(err), repository: repo.name };
    }
    outcomes.push(after);
    deps.log.info(
      {
        component: 'github',
        ticket: ticket.identifier,
        ...(req.runId ? { run: req.runId } : {}),
        ...('error' in after ? { ok: false } : {}),
      },
      `[github] ${summary}`,
    );
    await inTransaction(deps, (tx, changes) =>
      recordActivity(tx, deps, changes, req.actor, {
        ...aboutTicket(ticket),
        action: 'ticket.pull_request',
        summary,
        after: { ...after },
      }),
    );
  }
  return outcomes;
}
