/**
 * What a run's events say about its session and its cost, kept on the run and its ticket as the
 * events are stored. Called with only the events a batch really inserted (a resent batch adds
 * nothing), so totals never count an event twice. `usage` and `cost` events are per turn
 * (adapters diff cumulative counters), so they are summed.
 */
import { eq, sql } from 'drizzle-orm';
import type { RunEvent } from '@openase/shared';
import { runs, tickets } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Run } from './runs.js';

interface Usage {
  input: number;
  output: number;
  cached: number;
  usd: number;
}

/** Adds `u` to the totals a run and its ticket both keep. */
function addUsage(totals: typeof runs | typeof tickets, u: Usage) {
  return {
    inputTokens: sql`${totals.inputTokens} + ${u.input}`,
    outputTokens: sql`${totals.outputTokens} + ${u.output}`,
    cachedTokens: sql`${totals.cachedTokens} + ${u.cached}`,
    costUsd: sql`${totals.costUsd} + ${u.usd}`,
  };
}

/** The event types `accountEvents` reads; the others it never needs to see. */
export const ACCOUNTED_TYPES = ['usage', 'cost', 'session.started'] as const;

export async function accountEvents(tx: Tx, run: Run, events: readonly RunEvent[]): Promise<void> {
  let input = 0;
  let output = 0;
  let cached = 0;
  let usd = 0;
  let sessionId: string | null = null;
  for (const e of events) {
    if (e.type === 'usage') {
      input += e.inputTokens;
      output += e.outputTokens;
      cached += e.cachedTokens;
    } else if (e.type === 'cost') usd += e.usd;
    else if (e.type === 'session.started') sessionId = e.sessionId;
  }
  if (!input && !output && !cached && !usd && !sessionId) return;
  const usage = { input, output, cached, usd };
  await tx
    .update(runs)
    .set({ ...addUsage(runs, usage), ...(sessionId ? { sessionId } : {}) })
    .where(eq(runs.id, run.id));
  if (run.ticketId && (input || output || cached || usd)) {
    await tx.update(tickets).set(addUsage(tickets, usage)).where(eq(tickets.id, run.ticketId));
  }
}
