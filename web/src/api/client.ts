/**
 * The one tRPC client of the console, typed by the control plane's router (type import only:
 * no server type is re-declared here). Queries and mutations go through `httpBatchLink`,
 * subscriptions through `httpSubscriptionLink` (SSE). The session lives in an httpOnly cookie;
 * state-changing requests echo the CSRF cookie in `x-csrf-token` (double submit).
 */
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  retryLink,
  splitLink,
  type TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@openase/control-plane/trpc';
import { backoffDelay } from '@openase/shared';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const CSRF_COOKIE = 'openase_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(
  name: string,
  cookies = typeof document === 'undefined' ? '' : document.cookie,
): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

export function csrfHeaders(): Record<string, string> {
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};
/** Called whenever the server answers 401 (session expired or revoked). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

/** Passes everything through; notices 401s so the app can send the user to sign in. */
const watchUnauthorized: TRPCLink<AppRouter> =
  () =>
  ({ next, op }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (err) => {
          if (err.data?.httpStatus === 401 || err.data?.code === 'UNAUTHORIZED') onUnauthorized();
          observer.error(err);
        },
        complete: () => observer.complete(),
      }),
    );

/**
 * A call that failed before any control plane answered it — the network, or a proxy's own error
 * page (nginx's 502 while replicas restart: not JSON, so no tRPC error data) — is tried again with
 * backoff. A read a few times; a subscription for as long as someone follows it, resuming from the
 * last tracked event id (retryLink sends it back), so a live transcript or stream neither loses nor
 * repeats an event when the browser's EventSource gives up on a 502. Mutations never are (one could
 * have run); answers from the control plane (tRPC errors) never are.
 */
export const QUERY_ATTEMPTS = 6;
export function retryable(op: { type: string }, error: TRPCClientError<AppRouter>, attempts: number): boolean {
  if (error.data) return false;
  return op.type === 'subscription' || (op.type === 'query' && attempts < QUERY_ATTEMPTS);
}

/**
 * Backoff by drops in a row, not by drops in a lifetime: tRPC's retryLink counts attempts for the whole life of
 * a subscription, so a stream that dropped a few times over hours would wait the full cap on every later blip.
 * `link` sits below retryLink and sees each attempt: data resets the count for that call.
 */
export function paceRetries(opts = { baseMs: 250, maxMs: 4000 }) {
  // Per call: drops in a row and when the last one came. A call followed no more after a drop (unsubscribed
  // while retryLink waited) never comes back to clear its entry: entries older than any wait are dropped.
  const drops = new Map<number, { count: number; at: number }>();
  const forgetAfterMs = 10 * opts.maxMs;
  let nextDelay = 0;
  const link: TRPCLink<AppRouter> =
    () =>
    ({ next, op }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (value) => {
            drops.delete(op.id);
            observer.next(value);
          },
          error: (err) => {
            const at = Date.now();
            for (const [id, d] of drops) if (at - d.at > forgetAfterMs) drops.delete(id);
            drops.set(op.id, { count: (drops.get(op.id)?.count ?? 0) + 1, at });
            observer.error(err);
          },
          complete: () => {
            drops.delete(op.id);
            observer.complete();
          },
        }),
      );
  return {
    link,
    /** retryLink's `retry`: decides, and sets the delay retryLink asks for next (it calls them in turn). */
    retry({
      op,
      error,
      attempts,
    }: {
      op: { id: number; type: string };
      error: TRPCClientError<AppRouter>;
      attempts: number;
    }) {
      const again = retryable(op, error, attempts);
      if (again) nextDelay = backoffDelay(drops.get(op.id)?.count ?? 1, opts);
      else drops.delete(op.id);
      return again;
    },
    retryDelayMs: () => nextDelay,
    /** How many calls it keeps a count for (for tests). */
    tracked: () => drops.size,
  };
}

const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;
const pacing = paceRetries();

export const api = createTRPCClient<AppRouter>({
  links: [
    watchUnauthorized,
    retryLink({ retry: (o) => pacing.retry(o), retryDelayMs: () => pacing.retryDelayMs() }),
    pacing.link,
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: `${origin}/trpc`, eventSourceOptions: () => ({ withCredentials: true }) }),
      // maxItems: the server refuses longer batches (LIMITS.trpcBatchMax; 10 keeps heavy calls under its cost cap).
      false: httpBatchLink({ url: `${origin}/trpc`, headers: csrfHeaders, maxURLLength: 4000, maxItems: 10 }),
    }),
  ],
});
