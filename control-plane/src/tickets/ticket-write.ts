/**
 * Finding a ticket by what a person types, and how a member's change to one ticket starts.
 */
import { and, eq, type SQL } from 'drizzle-orm';
import { badRequest, isUuid, notFound, parseTicketIdentifier } from '@openase/shared';
import type { z } from 'zod';
import { projects, tickets } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { requireRoleIn } from '../auth/permissions.js';
import { memberInput } from '../auth/project-write.js';

export type Ticket = typeof tickets.$inferSelect;

/** A ticket is named by its identifier (`DEMO-1`, case-insensitive) or its id. */
export async function resolveTicket(db: DbOrTx, orgId: string, ref: string): Promise<Ticket> {
  const key = ref.trim();
  let condition: SQL | undefined;
  if (isUuid(key)) condition = eq(tickets.id, key);
  else {
    const parsed = parseTicketIdentifier(key);
    if (!parsed) throw badRequest(`"${key}" is not a ticket identifier; identifiers look like DEMO-42`);
    condition = and(eq(projects.ticketPrefix, parsed.prefix), eq(tickets.number, parsed.number));
  }
  const [row] = await db
    .select({ ticket: tickets })
    .from(tickets)
    .innerJoin(projects, eq(projects.id, tickets.projectId))
    .where(and(eq(projects.orgId, orgId), condition))
    .limit(1);
  if (!row) throw notFound(`ticket ${key} does not exist`);
  return row.ticket;
}

/** Resolves and locks the ticket row for the rest of the transaction. */
export async function lockTicket(tx: Tx, orgId: string, ref: string): Promise<Ticket> {
  const ticket = await resolveTicket(tx, orgId, ref);
  const [locked] = await tx.select().from(tickets).where(eq(tickets.id, ticket.id)).for('update');
  return locked!;
}

export interface TicketWork<I> {
  tx: Tx;
  changes: Changes;
  ticket: Ticket;
  input: I;
}

/**
 * How a member's change to one ticket starts: refused at once unless the actor is a member somewhere, `raw`
 * parsed, then `work` in one transaction with the ticket the input names once the actor is found a member in
 * its project. `what` completes "you cannot …". `onLockedTicket` locks the ticket row for the transaction.
 */
function ticketWork(find: (tx: Tx, orgId: string, ref: string) => Promise<Ticket>) {
  return async <S extends z.ZodType<{ ticket: string }>, T>(
    deps: Deps,
    actor: Actor,
    what: string,
    schema: S,
    raw: z.input<S>,
    work: (w: TicketWork<z.output<S>>) => Promise<T>,
  ): Promise<T> => {
    const input = await memberInput(deps, actor, what, schema, raw);
    return inTransaction(deps, async (tx, changes) => {
      const ticket = await find(tx, actor.orgId, input.ticket);
      await requireRoleIn(tx, actor, ticket.projectId, 'member', what);
      return work({ tx, changes, ticket, input });
    });
  };
}

export const onTicket = ticketWork(resolveTicket);
export const onLockedTicket = ticketWork(lockTicket);
