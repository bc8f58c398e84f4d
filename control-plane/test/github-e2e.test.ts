/**
 * The review loop against GitHub, end to end: the control plane and its `local` daemon, real git
 * (the fake serves the repository over smart HTTP and counts as the GitHub host), the stand-in
 * agent, the real Octokit client, and an in-repo fake of GitHub's REST API that sends the signed
 * webhooks GitHub would (test-kit/src/fake-github.ts). A run opens the pull request (ticket link,
 * runs); checks and reviews reach the card; a `changes_requested` review sends the ticket back with
 * the review's line comment in the next prompt; approval + green checks merge it through GitHub's
 * merge API; merged on GitHub → Done; closed unmerged → Cancelled (the project's setting); a
 * webhook with a bad signature is refused (401) and logged; a redelivery is a duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@openase/test-kit/fleet-harness';
import { PASSING_TESTS, useLocalFleet, WORKSPACE_CLI as wrapper } from './local-fleet.js';
import type { TestRemote } from '@openase/test-kit/git-remote';
import type { FakeGithub } from '@openase/test-kit/fake-github';
import { fakeGithubServing } from '@openase/test-kit/fake-github-serving';

const REPO = 'acme/app';

/** The agent writes greet.js; told (by a review) to say hello world, it does. */
const SCRIPT = {
  steps: [
    {
      when: { input: 'greet\\.js:1[^\\n]*\\n\\s+[^\\n]*: say hello world' },
      then: [{ write: { path: 'greet.js', content: "module.exports = 'hello world';\n" } }],
      else: [{ write: { path: 'greet.js', content: "module.exports = 'hi';\n" } }],
    },
    { run: `${wrapper} move "In Review"` },
    { text: 'done' },
  ],
};

describe('review loop and merging with GitHub pull requests', () => {
  let remote: TestRemote;
  let fake: FakeGithub;
  let apiUrl = '';
  const fleet = useLocalFleet({
    name: 'cp-github',
    env: async () => {
      remote = fleet.remote(PASSING_TESTS);
      const served = await fakeGithubServing(REPO, remote.dir, 'ghp_fake');
      ({ github: fake, apiUrl } = served);
      return served.env;
    },
  });
  const { cli, until } = fleet;
  const show = (ticket: string) => fleet.cp.api.tickets.show.query({ ticket });
  const card = async (ticket: string) =>
    (await fleet.cp.api.tickets.list.query({ project: 'hub' })).items.find((t) => t.identifier === ticket)!.pullRequest;

  beforeAll(async () => {
    // The fake is "GitHub": its host names GitHub repositories, which it serves over git's smart HTTP.
    const url = `${apiUrl}/${REPO}.git`;
    await fleet.project({ name: 'Hub', ticketPrefix: 'HUB', repoUrl: url, script: SCRIPT });
    await fleet.cp.api.workflows.create.mutate({ project: 'hub', template: 'full-stack', agent: 'stand-in' });
    // Connected as a person would: secrets from the environment, the webhook URL to paste on GitHub.
    const connected = cli(['project', 'github', 'hub', '--token-env', 'GH', '--webhook-secret-env', 'HOOK', '--json'], {
      GH: 'ghp_fake',
      HOOK: 'hook-secret',
    });
    expect(connected.code, connected.err).toBe(0);
    const settings = JSON.parse(connected.out) as { webhookUrl: string; hasToken: boolean; hasWebhookSecret: boolean };
    expect(settings).toMatchObject({ hasToken: true, hasWebhookSecret: true });
    expect(settings.webhookUrl).toMatch(new RegExp(`^${fleet.cp.url}/webhooks/github/[0-9a-f-]{36}$`));
    fake.setWebhook(settings.webhookUrl, 'hook-secret');
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('opens the pull request, shows checks and reviews, goes back on changes requested, merges on approval + green checks', async () => {
    const t = await fleet.cp.api.tickets.create.mutate({ project: 'hub', title: 'Greet', status: 'Todo' });
    await until(t.identifier, 'In Review');
    const branch = `openase/${t.identifier}-greet`;
    await waitFor('the pull request', async () => (await show(t.identifier)).pullRequests.length === 1);
    const opened = fake.pull(REPO, 1);
    expect(opened).toMatchObject({ head: branch, base: 'main', title: `${t.identifier}: Greet`, state: 'open' });
    expect(opened.body).toContain(`[${t.identifier}](${fleet.cp.url}/p/hub/board/${t.identifier})`);
    expect(opened.body).toMatch(/Runs \(1\):\n- run `[0-9a-f]{8}`: /);

    // A check runs, then passes: on the card.
    expect((await fake.check(REPO, 1, 'test', null)).body.outcome).toBe('unchanged');
    expect(await card(t.identifier)).toMatchObject({ checks: 'pending', review: 'none', state: 'open' });
    await fake.check(REPO, 1, 'test', 'success');
    expect(await card(t.identifier)).toMatchObject({ checks: 'success' });

    // A reviewer requests changes on GitHub with a line comment: back to the agent, comment in the prompt.
    const asked = await fake.review(REPO, 1, 'octocat', 'CHANGES_REQUESTED', 'Not quite.', [
      { path: 'greet.js', line: 1, body: 'say hello world' },
    ]);
    expect(asked).toMatchObject({ status: 200, body: { outcome: 'changes_requested' } });
    expect(await card(t.identifier)).toMatchObject({ review: 'changes_requested' });
    await waitFor('the second run', async () => (await show(t.identifier)).runs.length === 2);
    await until(t.identifier, 'In Review');
    const shown = await show(t.identifier);
    expect(shown).toMatchObject({ reviewRound: 2, reviewState: 'changes_requested' });
    const events = await fleet.cp.api.runs.events.query({ run: shown.runs[0]!.id, limit: 200 });
    const prompt = events.find((e) => e.event.type === 'message' && e.event.role === 'user')!.event as { text: string };
    expect(prompt.text).toMatch(/## Review round 1: changes requested by octocat on GitHub/);
    expect(prompt.text).toMatch(/Not quite\./);
    expect(prompt.text).toMatch(/- app\/greet\.js:1\n {2}octocat on GitHub: say hello world/);
    expect(remote.show(branch, 'greet.js')).toBe("module.exports = 'hello world';\n");
    // The same pull request, updated with the second run.
    await waitFor('the updated body', () => /Runs \(2\):/.test(fake.pull(REPO, 1).body));
    expect(fake.repo(REPO).pulls).toHaveLength(1);

    // Approval alone does not merge while the new head's checks run; green checks then do, through GitHub.
    await fake.check(REPO, 1, 'test', null);
    const approved = await fake.review(REPO, 1, 'octocat', 'APPROVED');
    expect(approved.body.outcome).toBe('unchanged');
    expect(await card(t.identifier)).toMatchObject({ checks: 'pending', review: 'approved' });
    expect((await show(t.identifier)).status.name).toBe('In Review');
    const green = await fake.check(REPO, 1, 'test', 'success');
    expect(green.body.outcome).toBe('approved');
    await until(t.identifier, 'Done');
    expect(fake.pull(REPO, 1)).toMatchObject({ state: 'closed', merged_at: expect.any(String) });
    expect(fake.calls).toContain(`PUT /repos/${REPO}/pulls/1/merge`);
    expect(remote.show('main', 'greet.js')).toBe("module.exports = 'hello world';\n");
    expect(fake.repo(REPO).deletedRefs).toEqual([branch]);
    const done = await show(t.identifier);
    expect(done.activity.map((a) => a.summary).join('\n')).toMatch(/pull request #1 merged on GitHub \(merge\)/);
    // GitHub's closing webhook after the merge changes nothing; its redelivery is a duplicate.
    const closed = await fake.send(
      'pull_request',
      { action: 'closed', pull_request: { number: 1, merged: true }, repository: { full_name: REPO } },
      { delivery: 'delivery-closed-1' },
    );
    expect(closed.body.outcome).toBe('unchanged');
    const again = await fake.send(
      'pull_request',
      { action: 'closed', pull_request: { number: 1, merged: true }, repository: { full_name: REPO } },
      { delivery: 'delivery-closed-1' },
    );
    expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
  });

  it('merged on GitHub → Done; closed unmerged → Cancelled when the project says so; bad signatures refused', async () => {
    const set = cli(['project', 'merge-settings', 'hub', '--closed-pr', 'cancel']);
    expect(set.out).toMatch(/a closed pull request cancels its ticket/);
    const a = await fleet.cp.api.tickets.create.mutate({ project: 'hub', title: 'Docs', status: 'Todo' });
    const b = await fleet.cp.api.tickets.create.mutate({ project: 'hub', title: 'Extra', status: 'Todo' });
    await until(a.identifier, 'In Review');
    await until(b.identifier, 'In Review');
    await waitFor('both pull requests', () => fake.repo(REPO).pulls.length === 3);
    const number = (id: string) => fake.repo(REPO).pulls.find((p) => p.head.includes(id))!.number;

    const merged = await fake.closeOnGithub(REPO, number(a.identifier), true);
    expect(merged.body.outcome).toBe('merged');
    await until(a.identifier, 'Done');
    const closed = await fake.closeOnGithub(REPO, number(b.identifier), false);
    expect(closed.body.outcome).toBe('closed');
    await until(b.identifier, 'Cancelled');
    expect((await show(b.identifier)).activity.map((x) => x.summary).join('\n')).toMatch(
      /was closed without merging on GitHub/,
    );

    const forged = await fake.send(
      'pull_request',
      { action: 'closed', pull_request: { number: 1, merged: true }, repository: { full_name: REPO } },
      { secret: 'guessed', delivery: 'forged-1' },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.error?.message).toMatch(/bad signature/);
    await waitFor('the refusal in the log', () => fleet.cp.proc.output.includes('refused webhook delivery forged-1'));
    // The refused delivery id was not consumed: the genuine delivery with that id is handled.
    const genuine = await fake.send(
      'ping',
      { zen: 'Keep it logically awesome.', repository: { full_name: REPO } },
      {
        delivery: 'forged-1',
      },
    );
    expect(genuine.body.outcome).toBe('ping');
  });
});
