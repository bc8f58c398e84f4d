import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachDatabase } from '../../../test/databases.js';
import { createProject } from '../../projects/projects.js';
import { createTicket } from '../../tickets/tickets.js';
import { pullRequests } from '../../db/schema.js';
import { githubRepoOf, upsertPullRequest, type GithubConfig } from './pull-requests.js';

/** A local fake of the three GitHub endpoints used: list, create and update pull requests. */
function fakeGithub() {
  const pulls: Array<{
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    state: string;
    owner: string;
    repo: string;
  }> = [];
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const url = new URL(req.url!, 'http://x');
      const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
      const reply = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.headers.authorization !== 'Bearer ghp_test') return reply(401, { message: 'Bad credentials' });
      if (!m) return reply(404, { message: 'Not Found' });
      const [, owner, repo, num] = m;
      const view = (p: (typeof pulls)[number]) => ({
        number: p.number,
        html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
        state: p.state,
      });
      if (req.method === 'GET') {
        const head = url.searchParams.get('head')!.split(':')[1];
        return reply(
          200,
          pulls.filter((p) => p.owner === owner && p.repo === repo && p.head === head && p.state === 'open').map(view),
        );
      }
      const input = JSON.parse(body);
      if (req.method === 'POST') {
        const p = {
          number: pulls.length + 1,
          owner: owner!,
          repo: repo!,
          head: input.head,
          base: input.base,
          title: input.title,
          body: input.body,
          state: 'open',
        };
        pulls.push(p);
        return reply(201, view(p));
      }
      const p = pulls.find((x) => x.number === Number(num))!;
      Object.assign(p, { title: input.title, body: input.body });
      return reply(200, view(p));
    });
  });
  return { server, pulls, calls };
}

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

const fake = fakeGithub();
let config: GithubConfig;
beforeAll(async () => {
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  config = { apiUrl: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`, host: 'github.com' };
});
afterAll(() => new Promise<void>((r) => fake.server.close(() => r())));

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
      token: 'ghp_test',
      body: 'Made by OpenASE',
    };
    const first = await upsertPullRequest(deps, req, config);
    expect(first).toMatchObject({
      number: expect.any(Number),
      state: 'open',
      url: expect.stringMatching(/\/pull\/\d+$/),
    });
    const second = await upsertPullRequest(deps, { ...req, title: 'Add login page' }, config);
    expect(second!.number).toBe(first!.number);
    const rows = await deps.db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticket.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ repository: 'app', url: first!.url, state: 'open' });
    expect(fake.pulls.find((p) => p.number === first!.number)?.title).toBe(`${ticket.identifier}: Add login page`);
    await expect(upsertPullRequest(deps, { ...req, token: 'wrong' }, config)).rejects.toThrow(
      /answered 401: Bad credentials/,
    );
    expect(
      await upsertPullRequest(deps, { ...req, repository: { ...req.repository, url: 'file:///srv/app.git' } }, config),
    ).toBeNull();
  });
});
