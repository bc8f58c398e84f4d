/**
 * What keeps a thing from being deleted while agents work: the runs in progress that touch it, named in the
 * refusal so a person knows what to cancel (tickets/delete.ts, projects/delete.ts, fleet/machine-delete.ts).
 */
import { and, inArray, type SQL } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, conflict } from '@openase/shared';
import { runs, tickets } from '../db/schema.js';
import { ticketOfRun } from '../kernel/lookups.js';
import type { DbOrTx } from '../db/database.js';

/** Names a few things: `DEMO-2, DEMO-3 and 4 more`. */
export function someOf(names: string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** The runs in progress matching `where`, each with its ticket (null: a command or a Project AI conversation). */
export async function liveRuns(db: DbOrTx, where: SQL | undefined) {
  return db
    .select({ id: runs.id, spec: runs.spec, identifier: tickets.identifier })
    .from(runs)
    .leftJoin(tickets, ticketOfRun())
    .where(and(where, inArray(runs.state, [...ACTIVE_RUN_STATES])));
}

/** How the runs are named in a refusal: their tickets, or how many runs without one. */
export function describeRuns(live: Array<{ identifier: string | null }>): string {
  const names = [...new Set(live.flatMap((r) => (r.identifier ? [r.identifier] : [])))];
  const others = live.filter((r) => !r.identifier).length;
  const parts = [
    names.length ? `${names.length === 1 ? 'ticket' : 'tickets'} ${someOf(names)}` : '',
    others
      ? `${others} ${others === 1 ? 'run' : 'runs'} without a ticket (a command or a Project AI conversation)`
      : '',
  ].filter(Boolean);
  return parts.join(' and ');
}

/** Refuses while any of the tickets has a run in progress, naming them; `what` is what cannot be deleted. */
export async function refuseLiveRuns(db: DbOrTx, ticketIds: string[], what: string): Promise<void> {
  if (!ticketIds.length) return;
  const live = await liveRuns(db, inArray(runs.ticketId, ticketIds));
  if (!live.length) return;
  throw conflict(
    `${what} cannot be deleted while an agent works on it: ${describeRuns(live)} ${live.length === 1 ? 'has a run' : 'have runs'} in progress; cancel ${live.length === 1 ? 'it' : 'them'} first (moving a ticket to Cancelled stops its run)`,
  );
}
