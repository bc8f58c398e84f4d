/**
 * Deleting a ticket. Rules: a ticket with sub-tickets is refused unless they go with it (`withChildren`,
 * every descendant); a ticket (or a descendant) with a run in progress is refused — cancel the run first
 * (moving the ticket to a canceled status stops it). What goes with it: its runs and their events, comments,
 * reviews, links to other tickets, watchers and inbox items. What stays: its activity, with a
 * `ticket.deleted` entry per ticket. Workspaces its runs left on machines are asked to be removed first,
 * while the runs still say where they are.
 */
import { inArray } from 'drizzle-orm';
import { conflict, ticketDeleteInput } from '@openase/shared';
import { inboxItems, tickets } from '../db/schema.js';
import { listStatuses } from '../statuses/statuses.js';
import type { Tx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import type { Changes } from '../kernel/transaction.js';
import { requestWorkspaceRemovals } from '../runs/workspace-removals.js';
import { refuseLiveRuns, someOf } from '../runs/in-use.js';
import { onLockedTicket, type Ticket } from './ticket-write.js';

/** The ticket's sub-tickets, their sub-tickets and so on (parent links cannot form a cycle). */
async function descendantsOf(tx: Tx, ticket: Ticket): Promise<Ticket[]> {
  const out: Ticket[] = [];
  let level = [ticket.id];
  while (level.length) {
    const children = await tx.select().from(tickets).where(inArray(tickets.parentId, level));
    out.push(...children);
    level = children.map((c) => c.id);
  }
  return out;
}

/** Deletes the tickets' rows and records a `ticket.deleted` entry each (the rows cascade to what hangs on them). */
export async function removeTickets(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  family: Ticket[],
  why: string,
): Promise<void> {
  if (!family.length) return;
  const ids = family.map((t) => t.id);
  const statusNames = new Map((await listStatuses(tx, family[0]!.projectId)).map((s) => [s.id, s.name]));
  for (const t of family) {
    await requestWorkspaceRemovals(tx, deps, changes, () => actor, t, 'was deleted');
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(t),
      action: 'ticket.deleted',
      summary: `deleted ${t.identifier} "${t.title}"${why}`,
      before: { identifier: t.identifier, title: t.title, status: statusNames.get(t.statusId) ?? null },
    });
  }
  await tx.delete(inboxItems).where(inArray(inboxItems.ticketId, ids));
  await tx.delete(tickets).where(inArray(tickets.id, ids));
}

export const deleteTicket: Command<typeof ticketDeleteInput, { deleted: string[] }> = async (deps, actor, raw) => {
  return onLockedTicket(
    deps,
    actor,
    'delete tickets',
    ticketDeleteInput,
    raw,
    async ({ tx, changes, ticket, input }) => {
      const descendants = await descendantsOf(tx, ticket);
      if (descendants.length && !input.withChildren) {
        throw conflict(
          `${ticket.identifier} has sub-tickets (${someOf(descendants.map((d) => d.identifier))}); delete them first, or delete them together with it`,
        );
      }
      const family = [ticket, ...descendants];
      await refuseLiveRuns(
        tx,
        family.map((t) => t.id),
        ticket.identifier,
      );
      await removeTickets(tx, deps, changes, actor, [ticket], '');
      await removeTickets(tx, deps, changes, actor, descendants, ` (deleted with ${ticket.identifier})`);
      return { deleted: family.map((t) => t.identifier) };
    },
  );
};
