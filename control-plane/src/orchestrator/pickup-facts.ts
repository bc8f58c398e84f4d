/**
 * `openase ticket why`: the facts of one ticket, read with the same project loader the dispatcher
 * uses (project-facts.ts), then judged by the same pure gates (gates.ts), so the diagnosis never
 * drifts from what the dispatcher really does.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { ACTIVE_RUN_STATES } from '@openase/shared';
import { runs } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Clock } from '../kernel/context.js';
import { resolveTicket } from '../tickets/tickets.js';
import { diagnosePickup, type PickupDiagnosis, type PickupFacts } from './gates.js';
import { loadProjectFacts, pickupFactsFor } from './project-facts.js';
import { reviewStanding, type ReviewStanding } from '../review/standing.js';

export async function loadPickupFacts(
  db: DbOrTx,
  clock: Clock,
  orgId: string,
  ticketRef: string,
): Promise<PickupFacts> {
  const ticket = await resolveTicket(db, orgId, ticketRef);
  const facts = pickupFactsFor(await loadProjectFacts(db, ticket.projectId, [ticket.id]), ticket, clock.now());
  // The diagnosis names the active run's state.
  const [activeRun] = await db
    .select({ id: runs.id, state: runs.state })
    .from(runs)
    .where(and(eq(runs.ticketId, ticket.id), inArray(runs.state, [...ACTIVE_RUN_STATES])))
    .limit(1);
  return { ...facts, activeRun: activeRun ?? null };
}

/** `openase ticket why`: exactly why the ticket would or would not be picked up now, and where its review stands. */
export async function whyTicket(
  db: DbOrTx,
  clock: Clock,
  orgId: string,
  ticketRef: string,
): Promise<PickupDiagnosis & { review: ReviewStanding }> {
  const diagnosis = diagnosePickup(await loadPickupFacts(db, clock, orgId, ticketRef));
  return { ...diagnosis, review: await reviewStanding(db, await resolveTicket(db, orgId, ticketRef)) };
}
