import type { RunEvent } from '@openase/shared/events/run-events';
import type { TokenPricing } from '@openase/shared/protocol/agent-spec';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

/**
 * Turns a CLI's cumulative counters (Codex threads, Claude's session cost) into per-turn amounts.
 * A counter that goes down (a new process or thread) starts a new baseline instead of going negative.
 */
export class CumulativeCounter<T extends Record<string, number>> {
  private previous: T | undefined;
  next(current: T): T {
    const before = this.previous;
    this.previous = current;
    if (!before) return current;
    const fell = Object.keys(current).some((key) => (current[key] ?? 0) < (before[key] ?? 0));
    if (fell) return current;
    return Object.fromEntries(Object.keys(current).map((key) => [key, (current[key] ?? 0) - (before[key] ?? 0)])) as T;
  }
  /** Sets the baseline without producing a diff (resumed thread: earlier runs' usage is not ours). */
  reset(current: T | undefined): void {
    this.previous = current;
  }
}

/** USD for `usage` at the agent's pricing. Cached input tokens are counted at the cached price only. */
export function costFromPricing(usage: TokenUsage, pricing: TokenPricing): number {
  const uncached = Math.max(0, usage.inputTokens - usage.cachedTokens);
  const usd =
    (uncached * pricing.input + usage.cachedTokens * pricing.cached + usage.outputTokens * pricing.output) / 1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}

/** The `usage` and (when priced) `cost` events of one turn. */
export function usageEvents(turn: number, usage: TokenUsage, pricing: TokenPricing | undefined): RunEvent[] {
  const events: RunEvent[] = [{ type: 'usage', turn, ...usage }];
  if (pricing) events.push({ type: 'cost', usd: costFromPricing(usage, pricing), source: 'pricing', turn });
  return events;
}
