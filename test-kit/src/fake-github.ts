/**
 * An in-repo fake of the part of GitHub's REST API OpenASE uses, with state, on loopback — and the
 * GitHub side of webhooks: each action a test takes "on GitHub" (a check finishing, a review, a
 * merge or close in GitHub's UI) changes the state and sends the signed webhook GitHub would.
 * A repository may be backed by a real bare git repository (`gitDir`): it is then served over
 * smart HTTP at `<server>/OWNER/REPO.git` (clone, fetch, push), pull requests read their head
 * from it, and merging merges into its default branch for real (fake-github-git.ts). The state and its views are
 * fake-github-model.ts, the signed webhooks fake-github-webhooks.ts.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  changeIssue,
  issueView,
  pullView,
  repoPayload,
  type FakeIssue,
  type FakePull,
  type FakeRepo,
  type FakeReview,
  type IssueChange,
} from './fake-github-model.js';
import { git, mergePull, serveGit } from './fake-github-git.js';
import { sendWebhook, type WebhookTarget } from './fake-github-webhooks.js';

export function createFakeGithub(opts: { token: string }) {
  const repos = new Map<string, FakeRepo>();
  const calls: string[] = [];
  /** The same with their query strings. */
  const queries: string[] = [];
  /** GETs answered 304 Not Modified (the client sent the ETag of an unchanged answer). */
  const notModified: string[] = [];
  let seq = 0;
  let webhook: WebhookTarget | null = null;
  /** Webhooks sent after API edits, awaited by `echoed()`. */
  const echoes: Array<Promise<{ status: number; body: { outcome?: string } }>> = [];
  const repoOf = (name: string): FakeRepo => {
    if (!repos.has(name))
      repos.set(name, { issues: [], pulls: [], reviews: new Map(), checkRuns: [], statuses: [], deletedRefs: [] });
    return repos.get(name)!;
  };
  const headOf = (r: FakeRepo, branch: string, old?: string) => {
    if (!r.gitDir) return old ?? crypto.createHash('sha1').update(`${branch}:${++seq}`).digest('hex');
    try {
      return git(['--git-dir', r.gitDir, 'rev-parse', `refs/heads/${branch}`]);
    } catch {
      return old ?? '0'.repeat(40);
    }
  };
  const refresh = (r: FakeRepo, p: FakePull) => {
    if (p.state === 'open') p.sha = headOf(r, p.head, p.sha);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const gitPath = /^\/([^/]+)\/([^/]+)\.git(\/.*)$/.exec(url.pathname);
      if (gitPath)
        return serveGit(repos.get(`${gitPath[1]}/${gitPath[2]}`)?.gitDir, gitPath[3]!, req, res, Buffer.concat(chunks));
      const raw = Buffer.concat(chunks).toString('utf8');
      calls.push(`${req.method} ${url.pathname}`);
      queries.push(`${req.method} ${url.pathname}${url.search}`);
      const reply = (status: number, data?: unknown) => {
        const body = data === undefined ? '' : JSON.stringify(data);
        // A GET answers with an ETag; asked again with it while nothing changed: 304, no body (as GitHub).
        const etag = `"${crypto.createHash('sha1').update(body).digest('hex')}"`;
        const conditional = req.method === 'GET' && status === 200;
        if (conditional && req.headers['if-none-match'] === etag) {
          notModified.push(`${req.method} ${url.pathname}`);
          res.writeHead(304, { etag, connection: 'close' });
          return res.end();
        }
        // No keep-alive: a client reusing a socket the server just timed out gets ECONNRESET.
        res.writeHead(status, {
          'content-type': 'application/json',
          connection: 'close',
          ...(conditional && { etag }),
        });
        res.end(body);
      };
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`)
        return reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      const m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname.replace(/%2F/gi, '/'));
      if (!m) return reply(404, { message: 'Not Found' });
      const full = `${m[1]}/${m[2]}`;
      const r = repoOf(full);
      const rest = m[3]!;
      const input = raw ? JSON.parse(raw) : {};
      const pull = (n: string) => r.pulls.find((p) => p.number === Number(n));
      let mm: RegExpExecArray | null;
      if (rest === 'pulls' && req.method === 'GET') {
        const head = url.searchParams.get('head')?.split(':')[1];
        const state = url.searchParams.get('state') ?? 'open';
        const found = r.pulls.filter((p) => (!head || p.head === head) && (state === 'all' || p.state === state));
        found.forEach((p) => refresh(r, p));
        return reply(
          200,
          found.map((p) => pullView(full, p)),
        );
      }
      if (rest === 'pulls' && req.method === 'POST') {
        const p: FakePull = {
          number: r.pulls.length + 1,
          head: input.head,
          base: input.base,
          title: input.title,
          body: input.body ?? '',
          state: 'open',
          merged_at: null,
          merge_commit_sha: null,
          sha: '',
          conflicting: false,
        };
        p.sha = headOf(r, p.head);
        r.pulls.push(p);
        return reply(201, pullView(full, p));
      }
      if ((mm = /^pulls\/(\d+)$/.exec(rest))) {
        const p = pull(mm[1]!);
        if (!p) return reply(404, { message: 'Not Found' });
        if (req.method === 'PATCH') Object.assign(p, { title: input.title ?? p.title, body: input.body ?? p.body });
        refresh(r, p);
        return reply(200, pullView(full, p));
      }
      if ((mm = /^pulls\/(\d+)\/reviews$/.exec(rest))) {
        const list = r.reviews.get(Number(mm[1])) ?? [];
        return reply(
          200,
          list.map(({ comments: _c, ...rv }) => rv),
        );
      }
      if ((mm = /^pulls\/(\d+)\/reviews\/(\d+)\/comments$/.exec(rest))) {
        const rv = (r.reviews.get(Number(mm[1])) ?? []).find((x) => x.id === Number(mm![2]));
        return reply(
          200,
          (rv?.comments ?? []).map((c, i) => ({ id: i + 1, side: 'RIGHT', original_line: c.line, ...c })),
        );
      }
      if ((mm = /^pulls\/(\d+)\/merge$/.exec(rest)) && req.method === 'PUT') {
        const p = pull(mm[1]!);
        if (!p) return reply(404, { message: 'Not Found' });
        refresh(r, p);
        if (p.state !== 'open' || p.conflicting) return reply(405, { message: 'Pull Request is not mergeable' });
        if (input.sha && input.sha !== p.sha)
          return reply(409, { message: 'Head branch was modified. Review and try the merge again.' });
        const sha = mergePull(r, p, input.merge_method ?? 'merge');
        Object.assign(p, { state: 'closed', merged_at: new Date().toISOString(), merge_commit_sha: sha });
        return reply(200, { sha, merged: true, message: 'Pull Request successfully merged' });
      }
      if (rest === 'issues' && req.method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const page = Number(url.searchParams.get('page') ?? '1');
        const since = url.searchParams.get('since');
        const found = r.issues.filter(
          (i) => (state === 'all' || i.state === state) && (!since || i.updated_at >= new Date(since).toISOString()),
        );
        // Pull requests are issues too on GitHub: the list holds them (with `pull_request`), callers skip them.
        const pulls = r.pulls.map((p) => ({ number: p.number, title: p.title, state: p.state, pull_request: {} }));
        return reply(200, page > 1 ? [] : [...found.map((i) => issueView(full, i)), ...pulls]);
      }
      if ((mm = /^issues\/(\d+)$/.exec(rest))) {
        const i = r.issues.find((x) => x.number === Number(mm![1]));
        if (!i) return reply(404, { message: 'Not Found' });
        if (req.method === 'PATCH') {
          const before = JSON.stringify(i);
          changeIssue(i, input, new Date(Date.now() + ++seq).toISOString());
          // GitHub sends the webhook of an API edit too (an echo for whoever made it).
          if (JSON.stringify(i) !== before)
            echoes.push(send('issues', { action: 'edited', issue: issueView(full, i), ...repoPayload(full) }));
        }
        return reply(200, issueView(full, i));
      }
      if ((mm = /^commits\/([^/]+)\/check-runs$/.exec(rest))) {
        const runs = r.checkRuns.filter((c) => c.head_sha === mm![1]).map((c, i) => ({ id: i + 1, ...c }));
        return reply(200, { total_count: runs.length, check_runs: runs });
      }
      if ((mm = /^commits\/([^/]+)\/status$/.exec(rest))) {
        const statuses = r.statuses.filter((s) => s.sha === mm![1]);
        return reply(200, { state: statuses.length ? statuses.at(-1)!.state : 'pending', statuses, sha: mm[1] });
      }
      if ((mm = /^git\/refs\/heads\/(.+)$/.exec(rest)) && req.method === 'DELETE') {
        const ref = decodeURIComponent(mm[1]!);
        r.deletedRefs.push(ref);
        if (r.gitDir) git(['--git-dir', r.gitDir, 'update-ref', '-d', `refs/heads/${ref}`]);
        return reply(204);
      }
      return reply(404, { message: `Not Found: ${req.method} ${rest}` });
    });
  });

  /** Sends a webhook as GitHub does (signed with `secret`, default the configured one). */
  const send = (event: string, payload: Record<string, unknown>, o: { secret?: string; delivery?: string } = {}) =>
    sendWebhook(webhook, event, payload, o);
  const find = (full: string, n: number) => {
    const p = repoOf(full).pulls.find((x) => x.number === n);
    if (!p) throw new Error(`no pull request #${n} in ${full}`);
    refresh(repoOf(full), p);
    return p;
  };

  return {
    server,
    calls,
    queries,
    notModified,
    repos,
    repo: repoOf,
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
    setWebhook(url: string, secret: string) {
      webhook = { url, secret };
    },
    send,
    pull: find,
    /** A check run of the pull request's head finishes (or starts: conclusion null). */
    check(full: string, n: number, name: string, conclusion: 'success' | 'failure' | null) {
      const p = find(full, n);
      const r = repoOf(full);
      r.checkRuns = r.checkRuns.filter((c) => !(c.head_sha === p.sha && c.name === name));
      const run = { head_sha: p.sha, name, status: conclusion ? 'completed' : 'in_progress', conclusion };
      r.checkRuns.push(run);
      return send('check_run', { action: conclusion ? 'completed' : 'created', check_run: run, ...repoPayload(full) });
    },
    /** A reviewer submits a review on the current head. */
    review(
      full: string,
      n: number,
      login: string,
      state: FakeReview['state'],
      body = '',
      comments: FakeReview['comments'] = [],
    ) {
      const p = find(full, n);
      const list = repoOf(full).reviews.get(n) ?? [];
      const review: FakeReview = {
        id: 1000 + ++seq,
        user: { login },
        state,
        body,
        commit_id: p.sha,
        submitted_at: new Date(Date.now() + seq).toISOString(),
        comments,
      };
      list.push(review);
      repoOf(full).reviews.set(n, list);
      const { comments: _c, ...view } = review;
      return send('pull_request_review', {
        action: 'submitted',
        review: view,
        pull_request: { number: n },
        ...repoPayload(full),
      });
    },
    /** Someone presses "Merge" (or "Close") on GitHub. */
    async closeOnGithub(full: string, n: number, merge: boolean) {
      const p = find(full, n);
      if (merge) {
        const sha = mergePull(repoOf(full), p, 'merge');
        Object.assign(p, { merged_at: new Date().toISOString(), merge_commit_sha: sha });
      }
      p.state = 'closed';
      return send('pull_request', {
        action: 'closed',
        pull_request: { number: n, merged: merge },
        ...repoPayload(full),
      });
    },
    /** The outcomes of the webhooks sent after API edits so far (waits for them; clears the list). */
    echoed: () => Promise.all(echoes.splice(0)),
    /** Someone opens an issue on GitHub (the `issues opened` webhook). */
    openIssue(full: string, issue: { title: string; body?: string; labels?: string[] }) {
      const r = repoOf(full);
      const i: FakeIssue = {
        number: 100 + r.issues.length + 1,
        title: issue.title,
        body: issue.body ?? '',
        labels: issue.labels ?? [],
        state: 'open',
        state_reason: null,
        updated_at: new Date(Date.now() + ++seq).toISOString(),
      };
      r.issues.push(i);
      return { issue: i, sent: send('issues', { action: 'opened', issue: issueView(full, i), ...repoPayload(full) }) };
    },
    issue(full: string, n: number): FakeIssue {
      const i = repoOf(full).issues.find((x) => x.number === n);
      if (!i) throw new Error(`no issue #${n} in ${full}`);
      return i;
    },
    /** Someone edits, labels, closes or reopens an issue on GitHub (the `issues` webhook). */
    editIssue(full: string, n: number, change: IssueChange, action = 'edited') {
      const i = this.issue(full, n);
      changeIssue(i, change, new Date(Date.now() + ++seq).toISOString());
      return send('issues', { action, issue: issueView(full, i), ...repoPayload(full) });
    },
    /** The `pull_request closed` webhook GitHub sends after a merge through the API. */
    notifyClosed(full: string, n: number) {
      const p = find(full, n);
      return send('pull_request', {
        action: 'closed',
        pull_request: { number: n, merged: !!p.merged_at },
        ...repoPayload(full),
      });
    },
  };
}
export type FakeGithub = ReturnType<typeof createFakeGithub>;
