/**
 * Pull requests on GitHub for a ticket's branch: when a run finishes its ticket (the gate passed
 * and the branch was pushed), each of the project's GitHub repositories gets a pull request from
 * the ticket branch into its default branch — opened, or updated if one is open — whose body links
 * the ticket and summarises its runs; its number, URL, state and head are kept on the ticket
 * (`pull_requests`), where the sync (sync.ts) adds checks, reviews and mergeability.
 */
import { asc, eq, and } from 'drizzle-orm';
import { pullRequests, runs } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';
import { githubRepoOf, type GithubAccess } from './client.js';

export { githubConfig, githubRepoOf, type GithubConfig } from './client.js';

export interface PullRequestRequest {
  ticketId: string;
  identifier: string;
  title: string;
  branch: string;
  repository: { name: string; url: string; defaultBranch: string };
  body: string;
}

export interface OpenedPullRequest {
  url: string;
  state: string;
  number: number;
  created: boolean;
}

/** Opens or updates the pull request of one repository and records it on the ticket (null: not a GitHub remote). */
export async function upsertPullRequest(
  deps: Pick<Deps, 'db' | 'ids' | 'clock'>,
  access: GithubAccess,
  req: PullRequestRequest,
): Promise<OpenedPullRequest | null> {
  const gh = githubRepoOf(req.repository.url, access.config.host);
  if (!gh) return null;
  const title = `${req.identifier}: ${req.title}`.slice(0, 250);
  const pulls = access.octokit.rest.pulls;
  const { data: open } = await pulls.list({ ...gh, state: 'open', head: `${gh.owner}:${req.branch}` });
  const { data: pull } = open[0]
    ? await pulls.update({ ...gh, pull_number: open[0].number, title, body: req.body })
    : await pulls.create({ ...gh, title, head: req.branch, base: req.repository.defaultBranch, body: req.body });
  const state = pull.merged_at ? 'merged' : pull.state;
  const row = {
    ticketId: req.ticketId,
    repository: req.repository.name,
    branch: req.branch,
    number: pull.number,
    url: pull.html_url,
    state,
    remote: `${gh.owner}/${gh.repo}`,
    headSha: pull.head.sha,
    updatedAt: deps.clock.now(),
  };
  await deps.db
    .insert(pullRequests)
    .values({ id: deps.ids.uuid(), ...row })
    .onConflictDoUpdate({ target: [pullRequests.ticketId, pullRequests.repository], set: row });
  return { url: pull.html_url, state, number: pull.number, created: !open[0] };
}

/** The pull request's body: the ticket's description, a link to the ticket and one line per run. */
export async function pullRequestBody(
  db: Deps['db'],
  ticket: { id: string; identifier: string; description: string; reviewRound: number },
  ticketUrl: string,
): Promise<string> {
  const rows = await db
    .select({
      id: runs.id,
      state: runs.state,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      costUsd: runs.costUsd,
    })
    .from(runs)
    .where(and(eq(runs.ticketId, ticket.id), eq(runs.kind, 'agent')))
    .orderBy(asc(runs.createdAt));
  const lines = rows.map((r) => {
    const minutes =
      r.startedAt && r.finishedAt ? ` in ${Math.max(1, Math.round((+r.finishedAt - +r.startedAt) / 60_000))} min` : '';
    const cost = r.costUsd !== null && r.costUsd !== undefined ? `, $${Number(r.costUsd).toFixed(2)}` : '';
    return `- run \`${r.id.slice(0, 8)}\`: ${r.state}${minutes}${cost}`;
  });
  const description = ticket.description.trim().slice(0, 4000);
  return [
    ...(description ? [description, ''] : []),
    '---',
    `OpenASE ticket [${ticket.identifier}](${ticketUrl})${ticket.reviewRound > 1 ? `, review round ${ticket.reviewRound}` : ''}.`,
    '',
    `Runs (${rows.length}):`,
    ...lines,
  ].join('\n');
}

export async function ticketPullRequests(db: Deps['db'], ticketId: string) {
  return db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticketId));
}
