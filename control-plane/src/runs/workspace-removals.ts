/**
 * Workspaces left on machines by a ticket's ended agent runs. The orchestrator asks for their removal
 * when a ticket reaches a completed or canceled stage; deleting a ticket or a project asks for it too,
 * before the runs that remember where the workspaces are go with the ticket. The frame is a machine
 * command (sent by the replica holding the socket, fleet/machine-commands.ts); the activity entry
 * `workspace.remove_requested` only records it.
 */
import { and, desc, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import { TERMINAL_RUN_STATES, type ControlFrame } from '@openase/shared';
import { runs, statuses, tickets } from '../db/schema.js';
import { ticketOfRun } from '../kernel/lookups.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import type { Changes } from '../kernel/transaction.js';
import type { StoredAgentJob } from '../orchestrator/job-spec.js';

export interface PendingRemoval {
  orgId: string;
  ticketId: string;
  machineId: string;
  frame: ControlFrame;
}

/**
 * Per (ticket, machine) with an ended agent run whose workspace was not removed yet: the removal frame.
 * `where` may also filter on the ticket and its status (joined, e.g. `statuses.stage`).
 */
export async function pendingRemovals(db: DbOrTx, where: SQL | undefined): Promise<PendingRemoval[]> {
  const rows = await db
    .select({
      orgId: runs.orgId,
      ticketId: runs.ticketId,
      machineId: runs.machineId,
      spec: runs.spec,
    })
    .from(runs)
    .leftJoin(tickets, ticketOfRun())
    .leftJoin(statuses, eq(statuses.id, tickets.statusId))
    .where(
      and(
        where,
        eq(runs.kind, 'agent'),
        isNull(runs.workspaceRemovedAt),
        inArray(runs.state, [...TERMINAL_RUN_STATES]),
      ),
    )
    .orderBy(desc(runs.createdAt));
  const seen = new Set<string>();
  const out: PendingRemoval[] = [];
  for (const r of rows) {
    if (!r.ticketId || !r.machineId) continue;
    const key = `${r.ticketId}:${r.machineId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const job = r.spec as StoredAgentJob;
    out.push({
      orgId: r.orgId,
      ticketId: r.ticketId,
      machineId: r.machineId,
      frame: {
        type: 'workspace.remove',
        ticket: { identifier: job.ticket.identifier },
        repos: job.repos.map((x) => ({ name: x.name, url: x.url })),
      },
    });
  }
  return out;
}

/** Records one removal request per machine that worked on the ticket; `why` completes the summary. */
export async function requestWorkspaceRemovals(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actorOf: (orgId: string) => Actor,
  ticket: { id: string; projectId: string; identifier: string },
  why: string,
): Promise<number> {
  const pending = await pendingRemovals(tx, eq(runs.ticketId, ticket.id));
  for (const p of pending) {
    changes.commands.push({ machineId: p.machineId, frame: p.frame });
    await recordActivity(tx, deps, changes, actorOf(p.orgId), {
      ...aboutTicket(ticket),
      action: 'workspace.remove_requested',
      summary: `${ticket.identifier} ${why}: removing its workspace on the machine that worked on it`,
      after: { machineId: p.machineId },
    });
  }
  return pending.length;
}
