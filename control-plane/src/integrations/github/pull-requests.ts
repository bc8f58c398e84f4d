/**
 * Pull requests on GitHub for a ticket's branch: when a run finishes its ticket (the gate passed
 * and the branch was pushed), each of the project's GitHub repositories gets a pull request from
 * the ticket branch into its default branch — opened, or updated if one exists — and its URL and
 * state are kept on the ticket. Only where a token is bound (the agent's secret `GITHUB_TOKEN` or
 * `GH_TOKEN`). The API base is `OPENASE_GITHUB_API_URL` (default https://api.github.com; tests
 * point it at a local fake) and the host that counts as GitHub is `OPENASE_GITHUB_HOST`.
 */
import { eq } from 'drizzle-orm';
import { pullRequests } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';

export interface GithubConfig {
  apiUrl: string;
  host: string;
}

export function githubConfig(env: NodeJS.ProcessEnv = process.env): GithubConfig {
  return {
    apiUrl: (env.OPENASE_GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    host: env.OPENASE_GITHUB_HOST || 'github.com',
  };
}

/** `owner/repo` of a GitHub remote (https, ssh or scp-like), or null when it is not on `host`. */
export function githubRepoOf(url: string, host = 'github.com'): { owner: string; repo: string } | null {
  const h = host.replace(/\./g, '\\.');
  const m = new RegExp(
    `^(?:https?://(?:[^@/]+@)?${h}/|ssh://git@${h}(?::\\d+)?/|git@${h}:)([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/?$`,
  ).exec(url.trim());
  return m ? { owner: m[1]!, repo: m[2]! } : null;
}

export interface PullRequestRequest {
  ticketId: string;
  identifier: string;
  title: string;
  branch: string;
  repository: { name: string; url: string; defaultBranch: string };
  token: string;
  body: string;
}

interface GithubPull {
  number: number;
  html_url: string;
  state: string;
  merged_at?: string | null;
}

async function call<T>(config: GithubConfig, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${config.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'openase',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(`GitHub ${method} ${path} answered ${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

/** Opens or updates the pull request of one repository and records it on the ticket. */
export async function upsertPullRequest(
  deps: Pick<Deps, 'db' | 'ids' | 'clock'>,
  req: PullRequestRequest,
  config = githubConfig(),
): Promise<{ url: string; state: string; number: number } | null> {
  const gh = githubRepoOf(req.repository.url, config.host);
  if (!gh) return null;
  const base = `/repos/${encodeURIComponent(gh.owner)}/${encodeURIComponent(gh.repo)}`;
  const title = `${req.identifier}: ${req.title}`.slice(0, 250);
  const existing = await call<GithubPull[]>(
    config,
    req.token,
    'GET',
    `${base}/pulls?state=open&head=${encodeURIComponent(`${gh.owner}:${req.branch}`)}`,
  );
  const pull = existing[0]
    ? await call<GithubPull>(config, req.token, 'PATCH', `${base}/pulls/${existing[0].number}`, {
        title,
        body: req.body,
      })
    : await call<GithubPull>(config, req.token, 'POST', `${base}/pulls`, {
        title,
        head: req.branch,
        base: req.repository.defaultBranch,
        body: req.body,
      });
  const state = pull.merged_at ? 'merged' : pull.state;
  const row = {
    ticketId: req.ticketId,
    repository: req.repository.name,
    branch: req.branch,
    number: pull.number,
    url: pull.html_url,
    state,
    updatedAt: deps.clock.now(),
  };
  await deps.db
    .insert(pullRequests)
    .values({ id: deps.ids.uuid(), ...row })
    .onConflictDoUpdate({ target: [pullRequests.ticketId, pullRequests.repository], set: row });
  return { url: pull.html_url, state, number: pull.number };
}

export async function ticketPullRequests(db: Deps['db'], ticketId: string) {
  return db.select().from(pullRequests).where(eq(pullRequests.ticketId, ticketId));
}
