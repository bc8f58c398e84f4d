/**
 * Board work on many tickets at once, and a person's saved views of the board: the inputs of
 * `tickets.bulkUpdate`, `tickets.bulkDelete` and `views.*`.
 */
import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { prioritySchema } from './enums.js';
import { labelSchema, projectRefSchema, ticketRefSchema } from './inputs.js';

/** The most tickets one bulk action touches (a board selection, not a migration). */
export const BULK_MAX = 500;

const statusName = z.string().trim().min(1).max(LIMITS.nameMax);
/** A bulk action's selection: one to BULK_MAX `item`s, one per ticket. */
const picked = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'pick at least one ticket').max(BULK_MAX, `at most ${BULK_MAX} tickets at once`);

/**
 * One change per ticket, all applied in one transaction (all or nothing). Each item carries its own
 * target, so undoing a bulk change is the same operation with each ticket's previous values.
 */
export const ticketBulkUpdateInput = z.object({
  project: projectRefSchema,
  items: picked(
    z
      .object({ ticket: ticketRefSchema, status: statusName.optional(), priority: prioritySchema.optional() })
      .refine((i) => i.status !== undefined || i.priority !== undefined, 'say a status or a priority'),
  ),
});
export type TicketBulkUpdateInput = z.input<typeof ticketBulkUpdateInput>;

export const ticketBulkDeleteInput = z.object({
  project: projectRefSchema,
  tickets: picked(ticketRefSchema),
});

/** What a saved view keeps: the board's filters and view, as the URL query carries them. */
export const savedViewQuerySchema = z.object({
  q: z.string().max(200).optional(),
  label: labelSchema.optional(),
  priority: prioritySchema.optional(),
  view: z.enum(['list']).optional(),
});
export type SavedViewQuery = z.infer<typeof savedViewQuerySchema>;

const viewName = z
  .string()
  .trim()
  .min(1, 'a view needs a name')
  .max(LIMITS.nameMax, `a view name has at most ${LIMITS.nameMax} characters`);

/** Saves (or replaces, by name) one of the person's views of a project's board. */
export const viewSaveInput = z.object({ project: projectRefSchema, name: viewName, query: savedViewQuerySchema });
export const viewDeleteInput = z.object({ project: projectRefSchema, name: viewName });
