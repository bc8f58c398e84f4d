/**
 * GitHub Issues as a ticket source, end to end: the real control plane and Octokit against the
 * in-repo fake of GitHub's REST API (test-kit/src/fake-github.ts), which sends the signed `issues` webhooks
 * GitHub would. A person links the project from the CLI: open issues become tickets (closed ones
 * and pull requests do not); an issue opened, edited, relabelled or closed on GitHub changes its
 * ticket; a ticket edited or moved in OpenASE changes its issue; the echo of each write (GitHub's
 * webhook after the platform's own patch) changes nothing.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CP_BUNDLE,
  buildBundles,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
} from '@openase/test-kit/fleet-harness';
import { createFakeGithub, type FakeGithub } from '@openase/test-kit/fake-github';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const REPO = 'acme/app';

describe('GitHub issues synced both ways with tickets', () => {
  let cp: ControlPlane;
  let fake: FakeGithub;
  // Not spawnSync: the fake GitHub answers from this process, so the event loop must keep running.
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(
        process.execPath,
        [CP_BUNDLE, ...args],
        { encoding: 'utf8', env: { ...process.env, OPENASE_URL: cp.url, OPENASE_TOKEN: cp.token, ...env } },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      ),
    );
  const tickets = () => cp.api.tickets.list.query({ project: 'iss' });
  const byTitle = async (title: string) => (await tickets()).items.find((t) => t.title === title);

  beforeAll(async () => {
    buildBundles();
    fake = createFakeGithub({ token: 'ghp_fake' });
    const apiUrl = await fake.listen();
    cp = await startControlPlane(tempDir('cp-issues'), {
      env: { OPENASE_GITHUB_API_URL: apiUrl, OPENASE_GITHUB_POLL_SECONDS: '0' },
    });
    await cp.api.projects.create.mutate({ name: 'Iss', ticketPrefix: 'ISS' });
    const connected = await cli(
      ['project', 'github', 'iss', '--token-env', 'GH', '--webhook-secret-env', 'HOOK', '--json'],
      {
        GH: 'ghp_fake',
        HOOK: 'hook-secret',
      },
    );
    expect(connected.code, connected.err).toBe(0);
    const settings = JSON.parse(connected.out) as { webhookUrl: string; webhookEvents: string[] };
    expect(settings.webhookEvents).toContain('issues');
    // Issues that exist before the link: one open, one closed (not imported); GitHub sends no webhook yet.
    fake.openIssue(REPO, { title: 'Crash on start', body: 'It crashes.', labels: ['bug'] });
    fake.openIssue(REPO, { title: 'Old idea' });
    fake.issue(REPO, 102).state = 'closed';
    fake.setWebhook(settings.webhookUrl, 'hook-secret');
  });
  afterAll(async () => {
    await cp?.proc.kill();
    await fake?.close();
  });

  it('imports the open issues of the linked repository as tickets', async () => {
    const linked = await cli(['project', 'github-issues', 'iss', '--repo', REPO]);
    expect(linked.code, linked.err).toBe(0);
    expect(linked.out).toMatch(
      /iss: issues of acme\/app synced — 1 imported, 0 updated from GitHub, 0 updated on GitHub/,
    );
    const crash = await byTitle('Crash on start');
    expect(crash).toMatchObject({ description: 'It crashes.', labels: ['bug'] });
    expect(await byTitle('Old idea')).toBeUndefined();
    // Again: nothing new.
    expect((await cli(['project', 'github-issues', 'iss'])).out).toMatch(
      /0 imported, 0 updated from GitHub, 0 updated on GitHub, 1 unchanged/,
    );
  });

  it('follows GitHub: an issue opened, edited, relabelled and closed there', async () => {
    const { issue, sent } = fake.openIssue(REPO, { title: 'Add dark mode', body: 'Please.', labels: ['feature'] });
    expect((await sent).body.outcome).toBe('issue created');
    const t = (await byTitle('Add dark mode'))!;
    expect(t).toMatchObject({ description: 'Please.', labels: ['feature'] });
    const edited = await fake.editIssue(REPO, issue.number, { title: 'Add a dark mode', labels: ['feature', 'ui'] });
    expect(edited.body.outcome).toBe('issue updated');
    const shown = await cp.api.tickets.show.query({ ticket: t.identifier });
    expect(shown).toMatchObject({ title: 'Add a dark mode', labels: ['feature', 'ui'] });
    const closed = await fake.editIssue(REPO, issue.number, { state: 'closed' }, 'closed');
    expect(closed.body.outcome).toBe('issue updated');
    const done = await cp.api.tickets.show.query({ ticket: t.identifier });
    expect(done.status.stage).toBe('completed');
    // A redelivery of the same state changes nothing.
    expect((await fake.editIssue(REPO, issue.number, {}, 'edited')).body.outcome).toBe('issue unchanged');
  });

  it('leads GitHub: a ticket edited or moved here changes its issue, and the echo changes nothing', async () => {
    const t = (await byTitle('Crash on start'))!;
    await cp.api.tickets.update.mutate({
      ticket: t.identifier,
      title: 'Crash on start with no config',
      description: 'It crashes when ~/.app is missing.',
      labels: ['bug', 'p1'],
    });
    await waitFor(
      'the issue to follow the ticket',
      () => fake.issue(REPO, 101).title === 'Crash on start with no config',
    );
    expect(fake.issue(REPO, 101)).toMatchObject({ body: 'It crashes when ~/.app is missing.', labels: ['bug', 'p1'] });
    const statuses = await cp.api.statuses.list.query({ project: 'iss' });
    const canceled = statuses.find((s) => s.stage === 'canceled')!;
    await cp.api.tickets.move.mutate({ ticket: t.identifier, status: canceled.name });
    await waitFor('the issue to close', () => fake.issue(REPO, 101).state === 'closed');
    expect(fake.issue(REPO, 101).state_reason).toBe('not_planned');
    // The platform's own patches came back as webhooks (edit, close): the ticket was not touched by them.
    const echoes = await fake.echoed();
    expect(echoes.map((e) => e.status)).toEqual([200, 200]);
    const shown = await cp.api.tickets.show.query({ ticket: t.identifier });
    expect(shown.activity.filter((a) => /from GitHub issue/.test(a.summary))).toEqual([]);
    expect(shown.status.name).toBe(canceled.name);
    const first = statuses.find((s) => s.stage !== 'canceled' && s.stage !== 'completed')!;
    await cp.api.tickets.move.mutate({ ticket: t.identifier, status: first.name });
    await waitFor('the issue to reopen', () => fake.issue(REPO, 101).state === 'open');
    expect(fake.issue(REPO, 101).state_reason).toBe('reopened');
    await fake.echoed();
  });
});
