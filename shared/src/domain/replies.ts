/**
 * Output schemas of operations whose replies clients read (the CLI, the agent's `openase`): the catalogue declares
 * them (`returns`), the router validates each reply against its schema and tRPC clients infer the reply type from
 * it. Objects are loose: the reply keeps the row's other fields, a client relies only on what is declared here.
 */
import * as z from '../zod.js';

/** A ticket a mutation returns. */
export const ticketReply = z.looseObject({
  id: z.string(),
  identifier: z.string(),
  title: z.string(),
  projectId: z.string(),
  statusId: z.string(),
});

/**
 * `tickets.move`: an agent's move to a finish status waits for the before_finish checks, naming that status (null:
 * moved). Always present in the reply: an optional key of a loose object reaches tRPC clients as `unknown`.
 */
export const ticketMoveReply = ticketReply.extend({
  pendingStatus: z
    .string()
    .optional()
    .transform((s) => s ?? null),
  /** The status the ticket moved to (or was in already), as the project names it ("In Progress" for "in progress"). */
  statusName: z
    .string()
    .optional()
    .transform((s) => s ?? null),
  /** The ticket was in that status already: nothing moved, nothing recorded. */
  unchanged: z
    .boolean()
    .optional()
    .transform((v) => v ?? false),
});

/** A comment added or edited. */
export const commentReply = z.looseObject({ id: z.string(), ticketId: z.string(), body: z.string() });
