/**
 * The GitHub client: Octokit (@octokit/rest, pinned) with the project's token — the token set on
 * the project's GitHub connection (`openase project github`), else the agent's secret
 * `GITHUB_TOKEN` / `GH_TOKEN`. The API base is the connection's, else `OPENASE_GITHUB_API_URL`
 * (default https://api.github.com); the host whose remotes count as GitHub is `OPENASE_GITHUB_HOST`.
 */
import crypto from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { eq } from 'drizzle-orm';
import { githubLinks } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';
import { agentSecretEnv } from '../../agents/agents.js';

export type { Octokit };

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

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A GET's last answer, to ask again with `If-None-Match`. */
type Response = Awaited<ReturnType<Octokit['request']>>;
interface Cached {
  etag: string;
  response: Response;
}
const ETAG_CACHE_MAX = 2000;
const etags = new Map<string, Cached>();

/**
 * Conditional reads: every GET is sent with the ETag of its last answer (per token and URL, the
 * latest {@link ETAG_CACHE_MAX} kept); GitHub's `304 Not Modified` — which does not count against the
 * rate limit — is answered with that last answer. Polling and webhooks thus read the same data,
 * and a poll of something unchanged costs no quota.
 */
function conditionalReads(octokit: Octokit, token: string): void {
  const who = crypto.createHash('sha256').update(token).digest('hex').slice(0, 16);
  octokit.hook.wrap('request', async (request, options) => {
    const { method, url } = octokit.request.endpoint.parse(options);
    if (method !== 'GET') return request(options);
    const key = `${who} ${url}`;
    const cached = etags.get(key);
    if (cached) options.headers = { ...options.headers, 'if-none-match': cached.etag };
    try {
      const response = await request(options);
      const etag = response.headers.etag;
      etags.delete(key);
      if (etag) etags.set(key, { etag, response });
      if (etags.size > ETAG_CACHE_MAX) etags.delete(etags.keys().next().value!);
      return response;
    } catch (err) {
      if (cached && (err as { status?: number }).status === 304) return cached.response;
      throw err;
    }
  });
}

export function githubClient(token: string, apiUrl: string): Octokit {
  const octokit = new Octokit({
    auth: token,
    baseUrl: apiUrl,
    userAgent: 'openase',
    log: quiet,
    request: { retries: 0 },
  });
  conditionalReads(octokit, token);
  return octokit;
}

export interface GithubAccess {
  octokit: Octokit;
  config: GithubConfig;
}

/** The client for a project (null: no token anywhere, so nothing is done on GitHub). */
export async function githubAccess(
  deps: Pick<Deps, 'db' | 'secrets'>,
  projectId: string,
  agentId?: string | null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GithubAccess | null> {
  const base = githubConfig(env);
  const [link] = await deps.db.select().from(githubLinks).where(eq(githubLinks.projectId, projectId));
  const config = { ...base, apiUrl: link?.apiUrl.replace(/\/+$/, '') || base.apiUrl };
  let token = link?.token ? deps.secrets.decrypt(link.token) : null;
  if (!token && agentId) {
    const secrets = await agentSecretEnv(deps, agentId);
    token = secrets.GITHUB_TOKEN ?? secrets.GH_TOKEN ?? null;
  }
  return token ? { octokit: githubClient(token, config.apiUrl), config } : null;
}

/** GitHub's error as one line: "GitHub answered 401: Bad credentials". */
export function githubError(err: unknown): string {
  const e = err as { status?: number; message?: string };
  return e.status ? `GitHub answered ${e.status}: ${e.message ?? ''}`.trim() : (e.message ?? String(err));
}
