/**
 * The one exponential backoff of the platform: attempt 0 waits `baseMs`, each later attempt
 * `factor` times longer, capped at `maxMs`. With `jitter`, a random delay in [d/2, d] instead of d,
 * so many clients that lost the same server do not all come back at the same instant.
 */
export interface BackoffOptions {
  baseMs: number;
  /** Default: no cap. */
  maxMs?: number;
  /** Default 2. */
  factor?: number;
  jitter?: boolean;
  /** Tests pass their own; default Math.random. */
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const { baseMs, maxMs = Infinity, factor = 2, jitter = false, random = Math.random } = opts;
  // The exponent is capped so that a long outage never makes the product Infinity or NaN.
  const d = Math.min(maxMs, baseMs * factor ** Math.min(Math.max(0, Math.floor(attempt)), 40));
  return jitter ? Math.round(d / 2 + (random() * d) / 2) : d;
}
