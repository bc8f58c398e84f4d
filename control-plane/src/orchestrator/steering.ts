/**
 * Steering a live run: a person's message to a ticket's running agent (drawer, `runs.steer`) waits on the run
 * (`runs.pending_input`) and becomes the next turn's input (turns.ts), recorded in the transcript with its author by
 * the daemon; with `interrupt` the current turn is stopped first (`run.interrupt`) so it goes at once.
 */
import { eq } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, conflict, runSteerInput, type ControlFrame } from '@openase/shared';
import { runs, tickets } from '../db/schema.js';
import type { Command } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { recordActivity } from '../activity/activity.js';
import { getRunForMember, lockRun } from '../runs/runs.js';

export interface PendingMessage {
  text: string;
  by: string;
  at: string;
}

/** The next turn's input from the messages people sent, each with its author. */
export function steeringInput(messages: readonly PendingMessage[]): string {
  return messages.map((m) => `A message from ${m.by} (a person watching this run):\n${m.text}`).join('\n\n');
}

/** What steering did: messages queued for the run, and the interrupt frame for its machine when one is due. */
export interface Steered {
  queued: number;
  machineId: string | null;
  interrupt: ControlFrame | null;
}

export const steerRun: Command<typeof runSteerInput, Steered> = async (deps, actor, raw) => {
  const input = runSteerInput.parse(raw);
  const found = await getRunForMember(deps, actor, input.run, 'send messages to a running agent');
  return inTransaction(deps, async (tx, changes) => {
    const run = (await lockRun(tx, found.id))!;
    if (run.kind !== 'agent' || !run.ticketId)
      throw conflict("only a ticket's agent run takes messages (a Project AI conversation has its own chat)");
    if (!ACTIVE_RUN_STATES.includes(run.state)) throw conflict(`run ${run.id.slice(0, 8)} has ended (${run.state})`);
    const now = deps.clock.now();
    const pending = [
      ...((run.pendingInput as PendingMessage[] | null) ?? []),
      { text: input.text, by: actor.name, at: now.toISOString() },
    ];
    await tx.update(runs).set({ pendingInput: pending, updatedAt: now }).where(eq(runs.id, run.id));
    const [ticket] = await tx
      .select({ identifier: tickets.identifier })
      .from(tickets)
      .where(eq(tickets.id, run.ticketId));
    await recordActivity(tx, deps, changes, actor, {
      projectId: run.projectId,
      ticketId: run.ticketId,
      action: 'run.steered',
      entityType: 'run',
      entityId: run.id,
      summary: `${actor.name} to the agent of ${ticket?.identifier ?? 'the ticket'}${input.interrupt ? ' (interrupting its turn)' : ''}: ${input.text.slice(0, 300)}`,
      after: { text: input.text, interrupt: input.interrupt },
    });
    const interrupt: ControlFrame | null =
      input.interrupt && run.state === 'running' && run.machineId
        ? { type: 'run.interrupt', runId: run.id, leaseEpoch: run.leaseEpoch }
        : null;
    return { queued: pending.length, machineId: run.machineId, interrupt };
  });
};
