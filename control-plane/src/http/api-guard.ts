/**
 * Throttles of the HTTP API (docs/security.md, "Throttles"), after authentication:
 * - a tRPC batch has at most `LIMITS.trpcBatchMax` calls and costs at most `LIMITS.requestCostMax`
 *   (1 per call, `LIMITS.heavyCallCost` for calls that parse and render templates or files):
 *   one request can no longer hold the event loop for seconds;
 * - each credential (API token, run token, browser session) spends its request costs from a
 *   token bucket; an empty bucket answers 429 with `Retry-After` (seconds).
 * State is per process: with several replicas each holds its own buckets.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { LIMITS } from '@openase/shared';
import type { Actor } from '../kernel/context.js';

export interface RateLimits {
  /** Cost units a credential earns per second. */
  perSecond: number;
  /** Cost units it may spend at once. */
  burst: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perSecond: 300, burst: 3000 };

/** Calls that parse and render user files (harnesses, skills, templates): the expensive ones. */
const HEAVY = /\.(validate|render|preview|import|export|diff)$/;

export function callCost(procedure: string): number {
  return HEAVY.test(procedure) ? LIMITS.heavyCallCost : 1;
}

/** The calls of a `/trpc/a,b,c` path and what they cost together. */
export function batchCost(path: string): { calls: number; cost: number } {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a malformed escape: count the path as it is
  }
  const names = decoded.replace(/^\/trpc\/?/, '').split(',');
  return { calls: names.length, cost: names.reduce((sum, p) => sum + callCost(p), 0) };
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(private readonly limits: RateLimits) {}

  /** Spends `cost` from the key's bucket; refused = seconds until it can be spent. */
  take(key: string, cost: number, now: number): { ok: true } | { ok: false; retryAfterS: number } {
    this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.limits.burst, at: now };
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) / 1000) * this.limits.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < cost)
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((cost - b.tokens) / this.limits.perSecond)) };
    b.tokens -= cost;
    return { ok: true };
  }

  /** Forgets full buckets now and then (a bucket left alone refills; no need to keep it). */
  private sweep(now: number): void {
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    const refill = (this.limits.burst / this.limits.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > refill) this.buckets.delete(key);
  }
}

/** The credential a request spends from: the API or run token, or the browser session. */
export function credentialKey(actor: Actor, sessionId: string | undefined): string {
  if (actor.run) return `run:${actor.run.runId}`;
  if (actor.tokenId) return `token:${actor.tokenId}`;
  return sessionId ? `session:${sessionId}` : `actor:${actor.id}`;
}

type GuardVars = { Variables: { actor: Actor | null; sessionId: string | undefined } };

/** The batch caps and the per-credential rate limit; mount after authentication. */
export function apiGuard(limits: RateLimits | null = DEFAULT_RATE_LIMITS): MiddlewareHandler<GuardVars> {
  const limiter = limits ? new RateLimiter(limits) : null;
  return async (c, next) => {
    const actor = c.get('actor');
    if (!actor) return next();
    let cost = 1;
    if (c.req.path.startsWith('/trpc/')) {
      const batch = batchCost(c.req.path);
      cost = batch.cost;
      if (batch.calls > LIMITS.trpcBatchMax)
        return refuse(c, 400, `a batch has at most ${LIMITS.trpcBatchMax} calls; this one has ${batch.calls}`);
      if (batch.cost > LIMITS.requestCostMax)
        return refuse(
          c,
          400,
          `a request may cost at most ${LIMITS.requestCostMax} (1 per call, ${LIMITS.heavyCallCost} per validate, render, import or export); this one costs ${batch.cost}: send it in smaller batches`,
        );
    }
    if (!limiter) return next();
    const verdict = limiter.take(credentialKey(actor, c.get('sessionId')), cost, Date.now());
    if (!verdict.ok)
      return refuse(c, 429, `too many requests with this credential; retry in ${verdict.retryAfterS} s`, {
        'Retry-After': String(verdict.retryAfterS),
      });
    return next();
  };
}

function refuse(c: Context, status: 400 | 429, message: string, headers: Record<string, string> = {}) {
  const appCode = status === 429 ? 'TOO_MANY_REQUESTS' : 'BAD_REQUEST';
  if (c.req.path.startsWith('/trpc/'))
    // Shaped like a tRPC error so tRPC clients surface the message.
    return c.json(
      {
        error: {
          message,
          code: status === 429 ? -32029 : -32600,
          data: { code: appCode, httpStatus: status, appCode },
        },
      },
      status,
      headers,
    );
  return c.json({ error: { code: appCode, message } }, status, headers);
}
