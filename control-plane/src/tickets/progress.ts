/**
 * Progress reports: a short line (and optional percent) an agent or a person posts while working
 * a ticket. Stored as activity (`ticket.progress`), so the board's live stream carries them and
 * the ticket's history keeps every report; the latest one is the ticket's current progress.
 */
import { and, desc, eq } from 'drizzle-orm';
import { ticketProgressInput } from '@openase/shared';
import { activity } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Command } from '../kernel/context.js';
import { onTicket } from './ticket-write.js';

export interface Progress {
  text: string;
  percent: number | null;
  by: string;
  at: Date;
}

export const reportProgress: Command<typeof ticketProgressInput, Progress> = async (deps, actor, raw) => {
  return onTicket(deps, actor, 'report progress', ticketProgressInput, raw, async ({ tx, changes, ticket, input }) => {
    const entry = await recordActivity(tx, deps, changes, actor, {
      ...aboutTicket(ticket),
      action: 'ticket.progress',
      summary: `${ticket.identifier}: ${input.percent !== undefined ? `${input.percent}% ` : ''}${input.text}`,
      after: { text: input.text, percent: input.percent ?? null },
    });
    return { text: input.text, percent: input.percent ?? null, by: actor.name, at: entry.createdAt };
  });
};

/** The latest progress report of a ticket, or null. */
export async function latestProgress(db: DbOrTx, ticketId: string): Promise<Progress | null> {
  const [entry] = await db
    .select()
    .from(activity)
    .where(and(eq(activity.ticketId, ticketId), eq(activity.action, 'ticket.progress')))
    .orderBy(desc(activity.id))
    .limit(1);
  if (!entry) return null;
  const after = entry.after as { text: string; percent: number | null };
  return { text: after.text, percent: after.percent, by: entry.actorName, at: entry.createdAt };
}
