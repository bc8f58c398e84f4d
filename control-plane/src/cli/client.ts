/**
 * The CLI's API client: the typed tRPC client over HTTP, authenticated with the token from
 * OPENASE_TOKEN or the credentials file, against OPENASE_URL or the file's URL.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../api/router.js';
import { openaseHome } from '../server/config.js';
import { credentialsPath, readCredentials } from '../server/credentials.js';
import { httpFetch } from './http-fetch.js';

export type ApiClient = ReturnType<typeof createTRPCClient<AppRouter>>;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 'ERROR',
  ) {
    super(message);
  }
}

/** Set by the agent's CLI (cli/agent.ts): it authenticates only as its run, never with a credentials file. */
export const AGENT_CLI_ENV = 'OPENASE_AGENT_CLI';

export function resolveEndpoint(env: NodeJS.ProcessEnv): { url: string; token: string } {
  if (env[AGENT_CLI_ENV]) {
    const missing = ['OPENASE_URL', 'OPENASE_TOKEN'].filter((k) => !env[k]);
    if (missing.length)
      throw new CliError(
        `${missing.join(', ')} not set; the platform commands work inside an agent run`,
        'UNAUTHORIZED',
      );
    return { url: env.OPENASE_URL!.replace(/\/+$/, ''), token: env.OPENASE_TOKEN! };
  }
  const home = openaseHome(env);
  const file = readCredentials(home);
  const url = env.OPENASE_URL || file?.url;
  const token = env.OPENASE_TOKEN || file?.token;
  if (!url || !token) {
    throw new CliError(
      `not logged in: no ${credentialsPath(home)} and no OPENASE_URL/OPENASE_TOKEN; start the server on this host (npm start) or run \`openase login --url URL --token TOKEN\``,
      'UNAUTHORIZED',
    );
  }
  return { url: url.replace(/\/+$/, ''), token };
}

export function createApiClient(endpoint: { url: string; token: string }): ApiClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${endpoint.url}/trpc`,
        headers: () => ({ authorization: `Bearer ${endpoint.token}` }),
        fetch: httpFetch,
        // The batch link, one call per request as the CLI makes them: httpLink checks every input
        // against the global FormData, whose first use loads undici (~12 ms). At most 10 calls in
        // one batch (the server's LIMITS.trpcBatchMax), as the console sends them.
        maxItems: 10,
      }),
    ],
  });
}

export function apiClientFromEnv(env: NodeJS.ProcessEnv): ApiClient {
  return createApiClient(resolveEndpoint(env));
}

/** Maps any failure of an API call to a one-line error a user can act on. */
export function describeApiError(err: unknown, env: NodeJS.ProcessEnv): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof TRPCClientError) {
    const data = err.data as { appCode?: string } | undefined;
    const cause = err.cause as { code?: string; cause?: { code?: string } } | undefined;
    const netCode = cause?.code ?? cause?.cause?.code;
    // A system error of the connection (ECONNREFUSED, ECONNRESET, ENOTFOUND, ETIMEDOUT…): nothing answered.
    if (!data && ((netCode && /^E[A-Z]+$/.test(netCode)) || /fetch failed/i.test(err.message))) {
      let url = '?';
      try {
        url = resolveEndpoint(env).url;
      } catch {
        /* ignore */
      }
      // Where the URL came from: a credentials file keeps the public URL, which may not resolve on this host.
      // (An agent's CLI has only OPENASE_URL, which the run set: nothing to say.)
      const from = env[AGENT_CLI_ENV]
        ? ''
        : env.OPENASE_URL
          ? ' (OPENASE_URL)'
          : ` (from ${credentialsPath(openaseHome(env))})`;
      const hint = env[AGENT_CLI_ENV]
        ? ''
        : '; is it running (`openase serve`, or `npm start` in a checkout)? Another address: OPENASE_URL=… or `openase login`';
      return new CliError(`cannot reach the control plane at ${url}${url === '?' ? '' : from}${hint}`, 'UNREACHABLE');
    }
    return new CliError(err.message, data?.appCode ?? 'ERROR');
  }
  return new CliError(err instanceof Error ? err.message : String(err));
}
