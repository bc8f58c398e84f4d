/**
 * After a run finished its ticket: a pull request per GitHub repository of the job, when the
 * agent has a GitHub token bound (secret `GITHUB_TOKEN` or `GH_TOKEN`). Each outcome, opened or
 * failed, is recorded in the ticket's activity.
 */
import { eq } from 'drizzle-orm';
import { runs, tickets } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import { agentSecretEnv } from '../agents/agents.js';
import { githubConfig, githubRepoOf, upsertPullRequest } from '../integrations/github/pull-requests.js';
import { orchestratorActor } from './dispatcher.js';
import type { StoredAgentJob } from './job-spec.js';

export async function openPullRequestsForRun(deps: Deps, runId: string): Promise<void> {
  const [run] = await deps.db.select().from(runs).where(eq(runs.id, runId));
  if (!run || run.kind !== 'agent' || !run.ticketId || !run.agentId) return;
  const job = run.spec as StoredAgentJob;
  const config = githubConfig();
  const repos = job.repos.filter((r) => githubRepoOf(r.url, config.host));
  if (repos.length === 0) return;
  const secrets = await agentSecretEnv(deps, run.agentId);
  const token = secrets.GITHUB_TOKEN ?? secrets.GH_TOKEN;
  if (!token) return;
  const [ticket] = await deps.db.select().from(tickets).where(eq(tickets.id, run.ticketId));
  if (!ticket) return;
  for (const repo of repos) {
    let summary: string;
    let after: Record<string, unknown>;
    try {
      const pr = await upsertPullRequest(
        deps,
        {
          ticketId: ticket.id,
          identifier: ticket.identifier,
          title: ticket.title,
          branch: job.ticket.branch,
          repository: repo,
          token,
          body: `${ticket.description.slice(0, 4000)}\n\n---\nOpened by OpenASE for ${ticket.identifier} (run ${run.id.slice(0, 8)}).`,
        },
        config,
      );
      if (!pr) continue;
      summary = `pull request #${pr.number} for ${ticket.identifier} in ${repo.name}: ${pr.url} (${pr.state})`;
      after = { url: pr.url, number: pr.number, state: pr.state, repository: repo.name };
    } catch (err) {
      summary = `could not open a pull request for ${ticket.identifier} in ${repo.name}: ${(err as Error).message}`;
      after = { error: (err as Error).message, repository: repo.name };
    }
    deps.log.info(
      { component: 'orchestrator', ticket: ticket.identifier, run: run.id, ...('error' in after ? { ok: false } : {}) },
      `[orchestrator] ${summary}`,
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
