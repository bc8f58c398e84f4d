/**
 * How an agent moves its own ticket. A move to one of its workflow's finish statuses is not
 * applied at once: it is recorded on the run as a finish request, and applied at the end of the
 * turn only after the `before_finish` gate passed (orchestrator/turns.ts) — so a failing test
 * suite keeps the ticket out of In Review and its output goes back to the agent. A move to an
 * extra status granted with `tickets.move:<Status>` (e.g. Blocked) is applied directly.
 */
import { eq } from 'drizzle-orm';
import { forbidden, hookWords, ticketMoveInput } from '@openase/shared';
import { runs, statuses, workflowVersions } from '../db/schema.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Command } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { resolveStatus } from '../statuses/statuses.js';
import { lockTicket, moveTicket, type Ticket } from '../tickets/tickets.js';

export type AgentMoveResult = Ticket & { pendingStatus?: string; unchanged?: boolean };

export const agentMoveTicket: Command<typeof ticketMoveInput, AgentMoveResult> = async (deps, actor, raw) => {
  const grant = actor.run;
  if (!grant) throw forbidden('only a run token can request an agent move');
  const input = ticketMoveInput.parse(raw);
  const pending = await inTransaction(deps, async (tx, changes) => {
    const ticket = await lockTicket(tx, actor.orgId, input.ticket);
    const target = await resolveStatus(tx, ticket.projectId, input.status);
    if (!grant.moveToStatusIds.includes(target.id)) {
      const allowed = grant.moveToStatusIds.length
        ? await tx
            .select({ id: statuses.id, name: statuses.name })
            .from(statuses)
            .where(eq(statuses.projectId, ticket.projectId))
        : [];
      const names = allowed.filter((s) => grant.moveToStatusIds.includes(s.id)).map((s) => s.name);
      throw forbidden(
        `this run may move ${ticket.identifier} only to ${names.length ? names.join(' or ') : 'no status'}, not ${target.name}`,
      );
    }
    const [run] = await tx.select().from(runs).where(eq(runs.id, grant.runId)).for('update');
    const [version] = run?.workflowVersionId
      ? await tx
          .select({ finish: workflowVersions.finishStatusIds })
          .from(workflowVersions)
          .where(eq(workflowVersions.id, run.workflowVersionId))
      : [];
    if (!run || !version?.finish.includes(target.id)) return null;
    await tx
      .update(runs)
      .set({ finishRequestedStatusId: target.id, updatedAt: deps.clock.now() })
      .where(eq(runs.id, run.id));
    await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(ticket),
      action: 'ticket.finish_requested',
      summary: `asked to move ${ticket.identifier} to ${target.name}; it moves there once ${hookWords('before_finish')} pass at the end of this turn`,
      after: { status: target.name, run: run.id },
    });
    return { ticket, status: target.name };
  });
  if (pending) return { ...pending.ticket, pendingStatus: pending.status };
  return moveTicket(deps, actor, input);
};
