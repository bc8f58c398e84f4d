/** Progress lines on a ticket: a message and an optional percent, kept in the activity log. */
import { ticketProgressInput } from '@openase/shared';
import type { z } from 'zod';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole } from '../auth/permissions.js';
import { resolveTicket } from './tickets.js';

export async function reportProgress(deps: Deps, actor: Actor, raw: z.input<typeof ticketProgressInput>) {
  requireRole(actor, 'member', 'report progress');
  const input = ticketProgressInput.parse(raw);
  return inTransaction(deps, async (tx, changes) => {
    const ticket = await resolveTicket(tx, actor.orgId, input.ticket);
    return recordActivity(tx, deps, changes, actor, {
      projectId: ticket.projectId,
      ticketId: ticket.id,
      action: 'ticket.progress',
      entityType: 'ticket',
      entityId: ticket.id,
      summary: `${ticket.identifier}: ${input.message}${input.percent !== undefined ? ` (${input.percent}%)` : ''}`,
      after: { message: input.message, percent: input.percent ?? null },
    });
  });
}
