/**
 * GitHub Issues as a ticket source (docs/review.md). A project linked to a repository's issues
 * (`github_links.issues_repo`, `openase project github-issues PROJECT --repo OWNER/NAME`) gets a
 * ticket per open issue, and each linked ticket and its issue (`external_issues`) stay in sync both
 * ways: title ↔ title, description ↔ body, labels ↔ labels, open ↔ an active status, closed ↔ a
 * completed (or, "not planned", canceled) status.
 *
 * - In: an `issues` webhook (or `github-issues` run by hand) reads the issue from the API; a new
 *   open issue becomes a ticket in the project's default status, a changed one changes its ticket.
 * - Out: a linked ticket that is updated or moved (outbox `ticket.updated` / `ticket.moved`, on the
 *   leader) patches its issue.
 *
 * `synced_hash` is what both sides last agreed on: a side equal to it has not changed, so the
 * echo of a write (GitHub's webhook after our patch, the outbox event after an import) is skipped.
 * When both sides changed, the issue wins on the way in and the ticket is then equal to it.
 */
import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { LIMITS, forbidden, projectGithubIssuesInput } from '@openase/shared';
import { externalIssues, githubLinks, projects, statuses, tickets } from '../../db/schema.js';
import type { Tx } from '../../db/database.js';
import { recordActivity } from '../../activity/activity.js';
import type { Actor, Command, Deps } from '../../kernel/context.js';
import { inTransaction } from '../../kernel/transaction.js';
import { requireRole, roleInProject } from '../../auth/permissions.js';
import { memberInput } from '../../auth/project-write.js';
import { resolveProject } from '../../kernel/resolve-project.js';
import { listStatuses } from '../../statuses/statuses.js';
import { applyMove, insertTicket, type Ticket } from '../../tickets/tickets.js';
import { githubAccess, githubConfig, type Octokit } from './client.js';
import { githubActor } from './sync.js';

/** What is kept in sync, as both sides see it. */
interface Side {
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
}
export interface GithubIssue {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  labels: Array<string | { name?: string }>;
  state: string;
  state_reason?: string | null;
  updated_at?: string;
  pull_request?: unknown;
}

const hash = (s: Side) => crypto.createHash('sha256').update(JSON.stringify(s)).digest('hex');
/** The issue as a ticket holds it: clipped to a ticket's limits (GitHub allows more labels). */
const issueSide = (i: GithubIssue): Side => ({
  title: i.title.trim().slice(0, LIMITS.titleMax) || `Issue #${i.number}`,
  body: (i.body ?? '').slice(0, LIMITS.descriptionMax),
  labels: [
    ...new Set(
      i.labels
        .map((l) => (typeof l === 'string' ? l : (l.name ?? '')).trim().slice(0, LIMITS.labelMax))
        .filter(Boolean),
    ),
  ]
    .sort()
    .slice(0, LIMITS.labelsMax),
  state: i.state === 'closed' ? 'closed' : 'open',
});
const ticketSide = (t: Ticket, stage: string): Side => ({
  title: t.title,
  body: t.description,
  labels: [...t.labels].sort(),
  state: stage === 'completed' || stage === 'canceled' ? 'closed' : 'open',
});
const split = (full: string) => ({ owner: full.split('/')[0]!, repo: full.split('/')[1]! });
/** GitHub's time of the issue's version a side agreed on (its `updated_at`), else now. */
const versionOf = (deps: Deps, i: { updated_at?: string }) =>
  i.updated_at ? new Date(i.updated_at) : deps.clock.now();

export type IssueOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

/** Brings one issue into the project: creates its ticket, or changes the ticket as the issue changed. */
export async function pullIssue(
  deps: Deps,
  projectId: string,
  repo: string,
  issue: GithubIssue,
): Promise<IssueOutcome> {
  if (issue.pull_request) return 'skipped';
  const side = issueSide(issue);
  return inTransaction(deps, async (tx, changes) => {
    const [project] = await tx.select().from(projects).where(eq(projects.id, projectId));
    const actor = githubActor(project!.orgId);
    const [link] = await tx
      .select()
      .from(externalIssues)
      .where(
        and(
          eq(externalIssues.projectId, projectId),
          eq(externalIssues.repo, repo),
          eq(externalIssues.number, issue.number),
        ),
      )
      .for('update');
    const now = deps.clock.now();
    if (!link) {
      if (side.state === 'closed') return 'skipped';
      const ticket = await insertTicket(tx, deps, changes, actor, projectId, {
        project: projectId,
        title: side.title,
        description: side.body,
        priority: 'none',
        labels: side.labels,
      });
      await tx.insert(externalIssues).values({
        ticketId: ticket.id,
        projectId,
        repo,
        number: issue.number,
        url: issue.html_url,
        syncedHash: hash(side),
        remoteUpdatedAt: versionOf(deps, issue),
        createdAt: now,
      });
      return 'created';
    }
    if (link.syncedHash === hash(side)) return 'unchanged';
    // A read older than the version last agreed on (a poll that crossed our own patch): nothing new.
    if (issue.updated_at && link.remoteUpdatedAt && new Date(issue.updated_at) < link.remoteUpdatedAt)
      return 'unchanged';
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, link.ticketId)).for('update');
    if (!ticket) return 'skipped';
    const all = await listStatuses(tx, projectId);
    const stage = all.find((s) => s.id === ticket.statusId)?.stage ?? 'backlog';
    const mine = ticketSide(ticket, stage);
    const fields = (['title', 'body', 'labels'] as const).filter(
      (k) => JSON.stringify(mine[k]) !== JSON.stringify(side[k]),
    );
    if (fields.length) {
      await tx
        .update(tickets)
        .set({ title: side.title, description: side.body, labels: side.labels, updatedAt: now })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        projectId,
        ticketId: ticket.id,
        action: 'ticket.updated',
        entityType: 'ticket',
        entityId: ticket.id,
        summary: `updated ${ticket.identifier} from GitHub issue ${repo}#${issue.number}: ${fields.map((f) => (f === 'body' ? 'description' : f)).join(', ')}`,
        after: { title: side.title, labels: side.labels },
      });
    }
    if (mine.state !== side.state) {
      const canceled = side.state === 'closed' && issue.state_reason === 'not_planned';
      const target =
        side.state === 'open'
          ? (all.find((s) => s.isDefault) ?? all.find((s) => s.stage === 'backlog') ?? all[0])
          : (all.find((s) => s.stage === (canceled ? 'canceled' : 'completed')) ??
            all.find((s) => s.stage === 'completed'));
      if (target)
        await applyMove(tx, deps, changes, actor, { ...ticket, title: side.title }, target, {
          why: `GitHub issue ${side.state === 'open' ? 'reopened' : 'closed'}`,
        });
    }
    await tx
      .update(externalIssues)
      .set({ syncedHash: hash(side), remoteUpdatedAt: versionOf(deps, issue) })
      .where(eq(externalIssues.ticketId, ticket.id));
    return 'updated';
  });
}

/** Patches the issue of a linked ticket that changed here; false when nothing was to be done. */
export async function pushTicket(deps: Deps, ticketId: string): Promise<boolean> {
  const [row] = await deps.db
    .select({ link: externalIssues, ticket: tickets, stage: statuses.stage })
    .from(externalIssues)
    .innerJoin(tickets, eq(tickets.id, externalIssues.ticketId))
    .innerJoin(statuses, eq(statuses.id, tickets.statusId))
    .where(eq(externalIssues.ticketId, ticketId));
  if (!row) return false;
  const side = ticketSide(row.ticket, row.stage);
  if (hash(side) === row.link.syncedHash) return false;
  const access = await githubAccess(deps, row.link.projectId);
  if (!access) return false;
  const canceled = row.stage === 'canceled';
  const { data } = await access.octokit.rest.issues.update({
    ...split(row.link.repo),
    issue_number: row.link.number,
    title: side.title,
    body: side.body,
    labels: side.labels,
    state: side.state,
    ...(side.state === 'closed' ? { state_reason: canceled ? 'not_planned' : 'completed' } : {}),
  });
  await deps.db
    .update(externalIssues)
    .set({ syncedHash: hash(side), remoteUpdatedAt: versionOf(deps, data) })
    .where(eq(externalIssues.ticketId, ticketId));
  return true;
}

/** The issues webhook of a linked repository: reads the issue (the webhook only says when) and pulls it. */
export async function onIssueWebhook(deps: Deps, projectId: string, repo: string, number: number): Promise<string> {
  const [link] = await deps.db.select().from(githubLinks).where(eq(githubLinks.projectId, projectId));
  if (!link?.issuesSync || link.issuesRepo?.toLowerCase() !== repo.toLowerCase()) return 'issues not linked';
  const access = await githubAccess(deps, projectId);
  if (!access) return 'no_token';
  const { data } = await access.octokit.rest.issues.get({ ...split(link.issuesRepo), issue_number: number });
  return `issue ${await pullIssue(deps, projectId, link.issuesRepo, data as GithubIssue)}`;
}

export interface IssuesSyncResult {
  project: string;
  repo: string | null;
  created: number;
  updated: number;
  unchanged: number;
  pushed: number;
}

/** `openase project github-issues`: links (admins) or unlinks, then imports and syncs every issue now. */
export const syncGithubIssues: Command<typeof projectGithubIssuesInput, IssuesSyncResult> = async (
  deps,
  actor,
  raw,
) => {
  const input = await memberInput(deps, actor, 'sync GitHub issues', projectGithubIssuesInput, raw);
  const project = await resolveProject(deps.db, actor.orgId, input.project);
  requireRole(actor, 'member', 'sync GitHub issues', await roleInProject(deps.db, actor, project.id));
  if (input.repo || input.off) await linkIssues(deps, actor, project, input.off ? null : input.repo!);
  const [link] = await deps.db.select().from(githubLinks).where(eq(githubLinks.projectId, project.id));
  const result = {
    project: project.slug,
    repo: link?.issuesSync ? link.issuesRepo : null,
    created: 0,
    updated: 0,
    unchanged: 0,
    pushed: 0,
  };
  if (!link?.issuesSync || !link.issuesRepo) return result;
  const access = await githubAccess(deps, project.id);
  if (!access)
    throw forbidden('the project has no GitHub token: `openase project github PROJECT --token-env VAR` first');
  for (const issue of await listIssues(access.octokit, link.issuesRepo)) {
    const outcome = await pullIssue(deps, project.id, link.issuesRepo, issue);
    if (outcome !== 'skipped') result[outcome]++;
  }
  const linked = await deps.db
    .select({ ticketId: externalIssues.ticketId })
    .from(externalIssues)
    .where(and(eq(externalIssues.projectId, project.id), eq(externalIssues.repo, link.issuesRepo)));
  for (const { ticketId } of linked) if (await pushTicket(deps, ticketId)) result.pushed++;
  await deps.db
    .update(githubLinks)
    .set({ issuesSyncedAt: deps.clock.now() })
    .where(eq(githubLinks.projectId, project.id));
  return result;
};

/**
 * Polling (poller.ts), for webhooks that never came: the issues of the linked repository changed since
 * the last look (GitHub's `since`, with a minute's overlap for clock skew) are pulled like a webhook's.
 * Returns how many changed a ticket.
 */
export async function pollIssues(deps: Deps, projectId: string): Promise<number> {
  const [link] = await deps.db.select().from(githubLinks).where(eq(githubLinks.projectId, projectId));
  if (!link?.issuesSync || !link.issuesRepo) return 0;
  const access = await githubAccess(deps, projectId);
  const started = deps.clock.now();
  let changed = 0;
  if (access) {
    const since = link.issuesSyncedAt && new Date(link.issuesSyncedAt.getTime() - 60_000).toISOString();
    for (const issue of await listIssues(access.octokit, link.issuesRepo, since || undefined))
      if (['created', 'updated'].includes(await pullIssue(deps, projectId, link.issuesRepo, issue))) changed++;
  }
  await deps.db.update(githubLinks).set({ issuesSyncedAt: started }).where(eq(githubLinks.projectId, projectId));
  return changed;
}

async function listIssues(octokit: Octokit, full: string, since?: string): Promise<GithubIssue[]> {
  const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...split(full),
    state: 'all',
    per_page: 100,
    ...(since ? { since } : {}),
  });
  return (all as GithubIssue[]).filter((i) => !i.pull_request);
}

async function linkIssues(deps: Deps, actor: Actor, project: { id: string; slug: string }, repo: string | null) {
  requireRole(actor, 'admin', 'link a project to GitHub issues', await roleInProject(deps.db, actor, project.id));
  await inTransaction(deps, async (tx: Tx, changes) => {
    const now = deps.clock.now();
    const row = { issuesRepo: repo, issuesSync: !!repo, updatedAt: now };
    const [before] = await tx.select().from(githubLinks).where(eq(githubLinks.projectId, project.id));
    if (before) await tx.update(githubLinks).set(row).where(eq(githubLinks.projectId, project.id));
    else
      await tx
        .insert(githubLinks)
        .values({ projectId: project.id, apiUrl: githubConfig().apiUrl, createdAt: now, ...row });
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.github_issues',
      entityType: 'project',
      entityId: project.id,
      summary: repo
        ? `${project.slug} syncs GitHub issues of ${repo}`
        : `${project.slug} no longer syncs GitHub issues`,
      after: { repo },
    });
  });
}
