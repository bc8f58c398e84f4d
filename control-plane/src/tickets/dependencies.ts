/**
 * "Blocks" dependencies between tickets and the parent/child tree. Both must stay acyclic:
 * a cycle would leave every ticket on it waiting forever. Link operations lock the organization
 * row, so two concurrent links cannot together close a cycle that neither sees alone.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { badRequest, conflict, OpenaseError, ticketLinkInput } from '@openase/shared';
import { organizations, ticketDependencies, tickets } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Command } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRoleIn } from '../auth/permissions.js';
import { memberInput } from '../auth/project-write.js';
import { resolveTicket, type Ticket } from './tickets.js';

/** Returns the path blocker → … → target if `from` (transitively) blocks `target`, else null. */
async function findBlockingPath(db: DbOrTx, from: string, target: string): Promise<string[] | null> {
  const previous = new Map<string, string | null>([[from, null]]);
  let frontier = [from];
  while (frontier.length > 0) {
    const edges = await db
      .select({ blocker: ticketDependencies.blockerId, blocked: ticketDependencies.blockedId })
      .from(ticketDependencies)
      .where(inArray(ticketDependencies.blockerId, frontier));
    const next: string[] = [];
    for (const e of edges) {
      if (previous.has(e.blocked)) continue;
      previous.set(e.blocked, e.blocker);
      if (e.blocked === target) {
        const path: string[] = [];
        for (let at: string | null = target; at; at = previous.get(at) ?? null) path.unshift(at);
        return path;
      }
      next.push(e.blocked);
    }
    frontier = next;
  }
  return null;
}

async function identifiers(db: DbOrTx, ids: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: tickets.id, identifier: tickets.identifier })
    .from(tickets)
    .where(inArray(tickets.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r.identifier]));
  return ids.map((id) => byId.get(id) ?? id);
}

/** A dependency between two tickets, by identifier: `blocker` blocks `blocked`. */
export interface TicketLink {
  blocker: string;
  blocked: string;
}

export const linkTickets: Command<typeof ticketLinkInput, TicketLink> = async (deps, actor, raw) => {
  const input = await memberInput(deps, actor, 'link tickets', ticketLinkInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.id, actor.orgId))
      .for('update');
    const blocker = await resolveTicket(tx, actor.orgId, input.blocker);
    const blocked = await resolveTicket(tx, actor.orgId, input.blocked);
    for (const t of [blocker, blocked]) await requireRoleIn(tx, actor, t.projectId, 'member', 'link tickets');
    if (blocker.id === blocked.id)
      throw new OpenaseError('DEPENDENCY_CYCLE', `${blocker.identifier} cannot block itself`);
    const [existing] = await tx
      .select()
      .from(ticketDependencies)
      .where(and(eq(ticketDependencies.blockerId, blocker.id), eq(ticketDependencies.blockedId, blocked.id)));
    if (existing) throw conflict(`${blocker.identifier} already blocks ${blocked.identifier}`);
    const path = await findBlockingPath(tx, blocked.id, blocker.id);
    if (path) {
      const chain = await identifiers(tx, path);
      throw new OpenaseError(
        'DEPENDENCY_CYCLE',
        `${blocker.identifier} cannot block ${blocked.identifier}: ${chain.join(' blocks ')}, so this would make a cycle`,
        { cycle: [...chain, blocked.identifier] },
      );
    }
    await tx
      .insert(ticketDependencies)
      .values({ blockerId: blocker.id, blockedId: blocked.id, createdAt: deps.clock.now() });
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(blocked),
      action: 'ticket.linked',
      summary: `${blocker.identifier} now blocks ${blocked.identifier}`,
      after: { blocker: blocker.identifier, blocked: blocked.identifier },
    });
    return { blocker: blocker.identifier, blocked: blocked.identifier };
  });
};

export const unlinkTickets: Command<typeof ticketLinkInput, TicketLink> = async (deps, actor, raw) => {
  const input = await memberInput(deps, actor, 'unlink tickets', ticketLinkInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const blocker = await resolveTicket(tx, actor.orgId, input.blocker);
    const blocked = await resolveTicket(tx, actor.orgId, input.blocked);
    for (const t of [blocker, blocked]) await requireRoleIn(tx, actor, t.projectId, 'member', 'unlink tickets');
    const removed = await tx
      .delete(ticketDependencies)
      .where(and(eq(ticketDependencies.blockerId, blocker.id), eq(ticketDependencies.blockedId, blocked.id)))
      .returning();
    if (removed.length === 0) throw badRequest(`${blocker.identifier} does not block ${blocked.identifier}`);
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(blocked),
      action: 'ticket.unlinked',
      summary: `${blocker.identifier} no longer blocks ${blocked.identifier}`,
      before: { blocker: blocker.identifier, blocked: blocked.identifier },
    });
    return { blocker: blocker.identifier, blocked: blocked.identifier };
  });
};

/** Refuses making `parent` the parent of `ticket` when `ticket` is `parent` or one of its ancestors. */
export async function assertNoParentCycle(tx: Tx, ticket: Ticket, parent: Ticket): Promise<void> {
  const chain = [parent.identifier];
  for (let at: Ticket | undefined = parent; at;) {
    if (at.id === ticket.id) {
      throw new OpenaseError(
        'DEPENDENCY_CYCLE',
        `${parent.identifier} cannot be the parent of ${ticket.identifier}: ${[ticket.identifier, ...chain].reverse().join(' → parent of → ')}`,
      );
    }
    if (!at.parentId) return;
    [at] = await tx.select().from(tickets).where(eq(tickets.id, at.parentId));
    if (at) chain.push(at.identifier);
  }
}

export async function ticketRelations(db: DbOrTx, ticketId: string) {
  const [blockedBy, blocks, children] = await Promise.all([
    db
      .select({ id: tickets.id, identifier: tickets.identifier, title: tickets.title, statusId: tickets.statusId })
      .from(ticketDependencies)
      .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockerId))
      .where(eq(ticketDependencies.blockedId, ticketId)),
    db
      .select({ id: tickets.id, identifier: tickets.identifier, title: tickets.title, statusId: tickets.statusId })
      .from(ticketDependencies)
      .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockedId))
      .where(eq(ticketDependencies.blockerId, ticketId)),
    db
      .select({ id: tickets.id, identifier: tickets.identifier, title: tickets.title, statusId: tickets.statusId })
      .from(tickets)
      .where(eq(tickets.parentId, ticketId)),
  ]);
  return { blockedBy, blocks, children };
}
