import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../../projects/projects.js';
import { createTicket, listTickets, updateTicket } from '../../tickets/tickets.js';
import { ticketDetail } from '../../tickets/detail.js';
import { githubLinks, pullRequests } from '../../db/schema.js';
import { listActivity } from '../../activity/activity.js';
import { createFakeGithub } from '@openase/test-kit/fake-github';
import { githubClient, githubRepoOf, type GithubAccess } from './client.js';
import { upsertPullRequest } from './pull-requests.js';
import { configureGithub } from './links.js';
import { GithubPoller } from './poller.js';
import { onIssueWebhook, pullIssue, pushTicket, syncGithubIssues } from './issues.js';

describe('GitHub remotes', () => {
  it('recognizes GitHub URLs in their usual forms and nothing else', () => {
    expect(githubRepoOf('https://github.com/acme/app.git')).toEqual({ owner: 'acme', repo: 'app' });
    expect(githubRepoOf('git@github.com:acme/app.git')).toEqual({ owner: 'acme', repo: 'app' });
    expect(githubRepoOf('ssh://git@github.com/acme/app')).toEqual({ owner: 'acme', repo: 'app' });
    expect(githubRepoOf('https://x-access-token:abc@github.com/acme/app')).toEqual({ owner: 'acme', repo: 'app' });
    expect(githubRepoOf('file:///srv/git/app.git')).toBeNull();
    expect(githubRepoOf('https://gitlab.com/acme/app.git')).toBeNull();
    expect(githubRepoOf('https://github.com.evil.example/acme/app')).toBeNull();
  });
});

const fake = createFakeGithub({ token: 'ghp_test' });
let access: GithubAccess;
let apiUrl: string;
beforeAll(async () => {
  apiUrl = await fake.listen();
  access = { octokit: githubClient('ghp_test', apiUrl), config: { apiUrl, host: 'github.com' } };
});
afterAll(() => fake.close());

forEachDatabase('pull requests', (get) => {
  let n = 0;
  it('opens a pull request for the ticket branch, then updates the same one, and records it on the ticket', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, {
      name: `gh${++n}`,
      ticketPrefix: `GH${n}${get().kind === 'pglite' ? 'A' : 'B'}`,
    });
    const ticket = await createTicket(deps, admin, { project: project.slug, title: 'Add login' });
    const req = {
      ticketId: ticket.id,
      identifier: ticket.identifier,
      title: ticket.title,
      branch: `openase/${ticket.identifier}-add-login`,
      repository: { name: 'app', url: `https://github.com/acme/app-${get().kind}-${n}.git`, defaultBranch: 'main' },
      body: 'Made by OpenASE',
    };
    const first = await upsertPullRequest(deps, access, req);
    expect(first).toMatchObject({
      number: expect.any(Number),
      state: 'open',
      url: expect.stringMatching(/\/pull\/\d+$/),
    });
    const second = await upsertPullRequest(deps, access, { ...req, title: 'Add login page' });
    expect(second!.number).toBe(first!.number);
    const rows = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      repository: 'app',
      url: first!.url,
      state: 'open',
      remote: `acme/app-${get().kind}-${n}`,
      headSha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(first!.created).toBe(true);
    expect(second!.created).toBe(false);
    expect(fake.pull(`acme/app-${get().kind}-${n}`, first!.number).title).toBe(`${ticket.identifier}: Add login page`);
    const wrong = { ...access, octokit: githubClient('wrong', apiUrl) };
    await expect(upsertPullRequest(deps, wrong, req)).rejects.toMatchObject({ status: 401 });
    expect(
      await upsertPullRequest(deps, access, { ...req, repository: { ...req.repository, url: 'file:///srv/app.git' } }),
    ).toBeNull();
  });
});

forEachDatabase('polling GitHub', (get) => {
  it('syncs an open pull request no webhook told about: checks and reviews reach the ticket', async () => {
    const { deps, admin, kind } = get();
    const project = await createProject(deps, admin, {
      name: `poll-${kind}`,
      ticketPrefix: `PL${kind === 'pglite' ? 'A' : 'B'}`,
    });
    const settings = await configureGithub(deps, admin, { project: project.slug, token: 'ghp_test', apiUrl });
    expect(settings).toMatchObject({
      hasToken: true,
      hasWebhookSecret: false,
      webhookPath: `/webhooks/github/${project.id}`,
    });
    const ticket = await createTicket(deps, admin, { project: project.slug, title: 'Poll me' });
    const remote = `acme/poll-${kind}`;
    const opened = await upsertPullRequest(deps, access, {
      ticketId: ticket.id,
      identifier: ticket.identifier,
      title: ticket.title,
      branch: `openase/${ticket.identifier}-poll-me`,
      repository: { name: 'app', url: `https://github.com/${remote}.git`, defaultBranch: 'main' },
      body: '',
    });
    await fake.check(remote, opened!.number, 'build', 'failure');
    await fake.review(remote, opened!.number, 'ann', 'APPROVED');
    const poller = new GithubPoller(deps, { intervalMs: 60_000, isLeader: () => true });
    expect(await poller.pass()).toBeGreaterThanOrEqual(1);
    const [row] = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    expect(row).toMatchObject({ checks: 'failure', review: 'approved', mergeable: true, syncedAt: expect.any(Date) });
    expect(row!.checkDetails).toEqual([{ name: 'build', state: 'failure' }]);
    // Synced just now: not due again until the interval passed.
    const again = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    await poller.pass();
    expect(
      (await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id)))[0]!.syncedAt,
    ).toEqual(again[0]!.syncedAt);

    // Due again, nothing changed on GitHub: every read is answered 304 (no rate limit spent), nothing changes.
    const due = () =>
      deps.db
        .update(pullRequests)
        .set({ syncedAt: new Date(0) })
        .where(eq(pullRequests.ticketId, ticket.id));
    const pr = `/repos/${remote}/pulls/${opened!.number}`;
    await due();
    const before = fake.notModified.length;
    await poller.pass();
    expect(fake.notModified.slice(before)).toEqual(
      expect.arrayContaining([`GET ${pr}`, `GET ${pr}/reviews`, expect.stringMatching(/check-runs$/)]),
    );
    const [same] = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    expect(same).toMatchObject({ checks: 'failure', review: 'approved' });
    // A review GitHub told nobody about reaches the ticket at the next poll.
    await fake.review(remote, opened!.number, 'bob', 'CHANGES_REQUESTED', 'Not yet');
    await due();
    await poller.pass();
    const [changed] = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    expect(changed!.review).toBe('changes_requested');
  });

  it("polls a linked repository's issues changed since the last look, as the webhook would, once", async () => {
    const { deps, admin, kind } = get();
    const project = await createProject(deps, admin, {
      name: `issues-${kind}`,
      ticketPrefix: `IP${kind === 'pglite' ? 'A' : 'B'}`,
    });
    await configureGithub(deps, admin, { project: project.slug, token: 'ghp_test', apiUrl });
    const repo = `acme/issues-${kind}`;
    const old = fake.openIssue(repo, { title: 'Old one' }).issue;
    await syncGithubIssues(deps, admin, { project: project.slug, repo });
    const ticketOf = async (title: string) =>
      (await listTickets(deps.db, admin.orgId, { project: project.slug })).items.find((t) => t.title === title);
    const due = () =>
      deps.db
        .update(githubLinks)
        .set({ issuesSyncedAt: new Date(Date.now() - 120_000) })
        .where(eq(githubLinks.projectId, project.id));

    // No webhook: an issue opened, another renamed and closed on GitHub, seen at the next poll.
    fake.openIssue(repo, { title: 'New one', labels: ['bug'] });
    await fake.editIssue(repo, old.number, { title: 'Old one, renamed', state: 'closed' }, 'closed');
    await due();
    const poller = new GithubPoller(deps, { intervalMs: 60_000, isLeader: () => true });
    await poller.pass();
    expect(fake.queries.filter((q) => q.startsWith(`GET /repos/${repo}/issues?`)).at(-1)).toMatch(/[?&]since=\d{4}-/);
    expect(await ticketOf('New one')).toMatchObject({ labels: ['bug'] });
    const renamed = (await ticketOf('Old one, renamed'))!;
    expect((await ticketDetail(deps.db, admin.orgId, renamed.identifier)).status.stage).toBe('completed');
    // The same change by webhook, or polled again: nothing more.
    expect(await onIssueWebhook(deps, project.id, repo, old.number)).toBe('issue unchanged');
    await due();
    await poller.pass();
    const activity = await listActivity(deps.db, { projectId: project.id, limit: 100 });
    expect(activity.filter((a) => a.summary.includes('from GitHub issue'))).toHaveLength(1);

    // A poll that read the issue before the platform's own patch does not undo the ticket's edit.
    const stale = { ...fake.issue(repo, old.number), html_url: '', labels: [] };
    await updateTicket(deps, admin, { ticket: renamed.identifier, title: 'Renamed here' });
    expect(await pushTicket(deps, renamed.id)).toBe(true);
    expect(await pullIssue(deps, project.id, repo, stale)).toBe('unchanged');
    expect((await ticketDetail(deps.db, admin.orgId, renamed.identifier)).title).toBe('Renamed here');
  });
});
