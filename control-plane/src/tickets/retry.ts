/**
 * A person asks for a ticket to be tried again: the parked reason, the scheduled retry and the
 * attempt counter are cleared, so the orchestrator picks it up at once if its gates allow.
 */
import { eq } from 'drizzle-orm';
import { conflict, ticketRetryInput } from '@openase/shared';
import type { z } from 'zod';
import { tickets } from '../db/schema.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { onLockedTicket, type Ticket } from './ticket-write.js';

export async function retryTicket(deps: Deps, actor: Actor, raw: z.input<typeof ticketRetryInput>): Promise<Ticket> {
  return onLockedTicket(deps, actor, 'retry tickets', ticketRetryInput, raw, async ({ tx, changes, ticket }) => {
    if (!ticket.parkedReason && !ticket.mergeError && !ticket.nextRetryAt && ticket.attemptCount === 0)
      throw conflict(
        `${ticket.identifier} is neither parked nor waiting for a retry; \`openase ticket why ${ticket.identifier}\` says what it waits for`,
      );
    const [updated] = await tx
      .update(tickets)
      .set({ parkedReason: null, mergeError: null, nextRetryAt: null, attemptCount: 0, updatedAt: deps.clock.now() })
      .where(eq(tickets.id, ticket.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(ticket),
      action: 'ticket.retry',
      summary: `asked to retry ${ticket.identifier}${ticket.parkedReason ? ` (it was parked: ${ticket.parkedReason})` : ticket.mergeError ? ` (its merge failed: ${ticket.mergeError})` : ''}; attempts start over`,
      before: {
        parkedReason: ticket.parkedReason,
        mergeError: ticket.mergeError,
        nextRetryAt: ticket.nextRetryAt,
        attempts: ticket.attemptCount,
      },
    });
    return updated!;
  });
}
