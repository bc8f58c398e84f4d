/**
 * After a run finished its ticket: a pull request per GitHub repository of the job, opened or
 * updated, when the project has a GitHub token (its connection's, or the agent's secret
 * `GITHUB_TOKEN` / `GH_TOKEN`). Each outcome, opened or failed, is recorded in the ticket's activity.
 */
import { eq } from 'drizzle-orm';
import { projects, runs, tickets } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import { githubAccess, githubError, githubRepoOf } from '../integrations/github/client.js';
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
  const { ticket } = row;
  const body = await pullRequestBody(
    deps.db,
    ticket,
    `${publicUrl.replace(/\/+$/, '')}/p/${row.slug}/board/${ticket.identifier}`,
  );
  for (const repo of repos) {
    let summary: string;
    let after: Record<string, unknown>;
    try {
      const pr = await upsertPullRequest(deps, access, {
        ticketId: ticket.id,
        identifier: ticket.identifier,
        title: ticket.title,
        branch: job.ticket.branch,
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
    deps.log.info(
      { component: 'github', ticket: ticket.identifier, run: run.id, ...('error' in after ? { ok: false } : {}) },
      `[github] ${summary}`,
    );
    await inTransaction(deps, (tx, changes) =>
      recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
        projectId: ticket.projectId,
        ticketId: ticket.id,
        action: 'ticket.pull_request',
        entityType: 'ticket',
        entityId: ticket.id,
        summary,
        after,
      }),
    );
  }
}
