/**
 * Work on many tickets at once (the board's multi-select): moves and priorities, or deletion, of a batch in ONE
 * transaction — every ticket changes, or none does and the refusal says why. Each ticket still gets its own
 * activity entry (the audit stream and the live stream stay per ticket), exactly as one-by-one calls would record.
 */
import { asc, inArray } from 'drizzle-orm';
import { badRequest, conflict, ticketBulkDeleteInput, ticketBulkUpdateInput } from '@openase/shared';
import { tickets } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Actor, Command } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { requireRoleIn } from '../auth/permissions.js';
import { memberInput } from '../auth/project-write.js';
import { refuseLiveRuns, someOf } from '../runs/in-use.js';
import { listStatuses, resolveStatus, type Status } from '../statuses/statuses.js';
import { applyUpdate, movedByPerson, resolveTicket, type Ticket } from './tickets.js';
import { removeTickets } from './delete.js';

/** The project's tickets named by `refs`, locked in id order (two batches never wait on each other in a circle). */
async function lockBatch(tx: Tx, actor: Actor, project: string, refs: string[], what: string) {
  const p = await resolveProject(tx, actor.orgId, project);
  await requireRoleIn(tx, actor, p.id, 'member', what);
  const named = new Map<string, Ticket>();
  for (const ref of refs) {
    const t = await resolveTicket(tx, actor.orgId, ref);
    if (t.projectId !== p.id) throw badRequest(`${t.identifier} belongs to another project than ${p.slug}`);
    if ([...named.values()].some((n) => n.id === t.id)) throw badRequest(`${t.identifier} is named twice`);
    named.set(ref, t);
  }
  const ids = [...named.values()].map((t) => t.id);
  const locked = await tx.select().from(tickets).where(inArray(tickets.id, ids)).orderBy(asc(tickets.id)).for('update');
  const byId = new Map(locked.map((t) => [t.id, t]));
  return { project: p, ticketOf: (ref: string) => byId.get(named.get(ref)!.id)! };
}

export interface BulkUpdated {
  identifier: string;
  status: string;
  priority: string;
}

export interface BulkUpdateResult {
  updated: BulkUpdated[];
}

export const bulkUpdateTickets: Command<typeof ticketBulkUpdateInput, BulkUpdateResult> = async (deps, actor, raw) => {
  const input = await memberInput(deps, actor, 'move tickets', ticketBulkUpdateInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const refs = input.items.map((i) => i.ticket);
    const { project, ticketOf } = await lockBatch(tx, actor, input.project, refs, 'move tickets');
    const statusName = new Map((await listStatuses(tx, project.id)).map((s) => [s.id, s.name]));
    const statusCache = new Map<string, Status>();
    const status = async (name: string) => {
      const key = name.toLowerCase();
      if (!statusCache.has(key)) statusCache.set(key, await resolveStatus(tx, project.id, name));
      return statusCache.get(key)!;
    };
    const updated: BulkUpdated[] = [];
    for (const item of input.items) {
      let ticket = ticketOf(item.ticket);
      if (item.status !== undefined)
        ticket = await movedByPerson(tx, deps, changes, actor, ticket, await status(item.status));
      if (item.priority !== undefined && item.priority !== ticket.priority) {
        const shown = { before: { priority: ticket.priority }, after: { priority: item.priority } };
        ticket = await applyUpdate(tx, deps, changes, actor, ticket, { priority: item.priority }, shown);
      }
      const now = { status: statusName.get(ticket.statusId) ?? '?', priority: ticket.priority };
      updated.push({ identifier: ticket.identifier, ...now });
    }
    return { updated };
  });
};

/**
 * Deletes the tickets, all or none. Refused while one has a run in progress, or has sub-tickets that are not in
 * the batch (a bulk delete never takes more than was picked).
 */
export interface BulkDeleteResult {
  deleted: string[];
}

export const bulkDeleteTickets: Command<typeof ticketBulkDeleteInput, BulkDeleteResult> = async (deps, actor, raw) => {
  const input = await memberInput(deps, actor, 'delete tickets', ticketBulkDeleteInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const { ticketOf } = await lockBatch(tx, actor, input.project, input.tickets, 'delete tickets');
    const batch = input.tickets.map(ticketOf);
    const ids = new Set(batch.map((t) => t.id));
    const children = await tx
      .select()
      .from(tickets)
      .where(inArray(tickets.parentId, [...ids]));
    const left = children.filter((c) => !ids.has(c.id));
    if (left.length) {
      const parents = [...new Set(left.map((c) => batch.find((t) => t.id === c.parentId)!.identifier))];
      throw conflict(
        `${someOf(parents)} ${parents.length === 1 ? 'has' : 'have'} sub-tickets that were not picked ` +
          `(${someOf(left.map((c) => c.identifier))}); pick them too, or delete them first`,
      );
    }
    const names = batch.map((t) => t.identifier);
    await refuseLiveRuns(tx, [...ids], names.length === 1 ? names[0]! : 'These tickets');
    await removeTickets(tx, deps, changes, actor, batch, '');
    return { deleted: names };
  });
};
