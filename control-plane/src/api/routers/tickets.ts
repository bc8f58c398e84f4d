import { API } from '@openase/shared';
import { addComment, commentHistory, editComment } from '../../tickets/comments.js';
import { linkTickets, unlinkTickets } from '../../tickets/dependencies.js';
import { ticketDetail } from '../../tickets/detail.js';
import { archiveTicket, createTicket, listTickets, moveTicket, updateTicket } from '../../tickets/tickets.js';
import { deleteTicket } from '../../tickets/delete.js';
import { bulkDeleteTickets, bulkUpdateTickets } from '../../tickets/bulk.js';
import { deleteView, listViews, saveView } from '../../tickets/views.js';
import { agentMoveTicket, type AgentMoveResult } from '../../orchestrator/agent-moves.js';
import { retryTicket } from '../../tickets/retry.js';
import { whyTicket } from '../../orchestrator/pickup-facts.js';
import { reportProgress } from '../../tickets/progress.js';
import { ticketDiff } from '../../review/diff.js';
import { submitReview } from '../../review/reviews.js';
import { reviewStanding } from '../../review/standing.js';
import { proc, router } from '../trpc.js';
import { answerQuestion, askQuestion } from '../../tickets/questions.js';

export const ticketsRouter = router({
  list: proc(API.tickets.list).query(({ ctx, input }) => listTickets(ctx.deps.db, ctx.actor.orgId, input)),
  show: proc(API.tickets.show).query(async ({ ctx, input }) => {
    const detail = await ticketDetail(ctx.deps.db, ctx.actor.orgId, input.ticket);
    // Where the ticket stands in review: round, verdict, waiting / merging / merge failed.
    return { ...detail, review: await reviewStanding(ctx.deps.db, detail) };
  }),
  create: proc(API.tickets.create).mutation(({ ctx, input }) => createTicket(ctx.deps, ctx.actor, input)),
  update: proc(API.tickets.update).mutation(({ ctx, input }) => updateTicket(ctx.deps, ctx.actor, input)),
  move: proc(API.tickets.move).mutation(({ ctx, input }): Promise<AgentMoveResult> =>
    ctx.actor.run ? agentMoveTicket(ctx.deps, ctx.actor, input) : moveTicket(ctx.deps, ctx.actor, input),
  ),
  retry: proc(API.tickets.retry).mutation(({ ctx, input }) => retryTicket(ctx.deps, ctx.actor, input)),
  archive: proc(API.tickets.archive).mutation(({ ctx, input }) => archiveTicket(ctx.deps, ctx.actor, input)),
  delete: proc(API.tickets.delete).mutation(({ ctx, input }) => deleteTicket(ctx.deps, ctx.actor, input)),
  /** Many tickets moved or reprioritized in one transaction (docs/web.md, "Bulk actions"). */
  bulkUpdate: proc(API.tickets.bulkUpdate).mutation(({ ctx, input }) => bulkUpdateTickets(ctx.deps, ctx.actor, input)),
  bulkDelete: proc(API.tickets.bulkDelete).mutation(({ ctx, input }) => bulkDeleteTickets(ctx.deps, ctx.actor, input)),
  link: proc(API.tickets.link).mutation(({ ctx, input }) => linkTickets(ctx.deps, ctx.actor, input)),
  unlink: proc(API.tickets.unlink).mutation(({ ctx, input }) => unlinkTickets(ctx.deps, ctx.actor, input)),
  /** An agent asks a person: its run ends after the turn and the ticket waits ("Waiting for input"). */
  ask: proc(API.tickets.ask).mutation(({ ctx, input }) => askQuestion(ctx.deps, ctx.actor, input)),
  /** A person's answer: the ticket is dispatched again, resuming the session that asked. */
  answer: proc(API.tickets.answer).mutation(({ ctx, input }) => answerQuestion(ctx.deps, ctx.actor, input)),
  reportProgress: proc(API.tickets.reportProgress).mutation(({ ctx, input }) =>
    reportProgress(ctx.deps, ctx.actor, input),
  ),
  /** The branch's diff against its base (or one run's changes), read by the machine holding the worktree. */
  diff: proc(API.tickets.diff).query(({ ctx, input }) => ticketDiff(ctx.deps, ctx.fleet, ctx.actor, input)),
  /** A person approves or requests changes (review/reviews.ts). */
  review: proc(API.tickets.review).mutation(({ ctx, input }) => submitReview(ctx.deps, ctx.actor, input)),
  /** Why the ticket would or would not be picked up now (the dispatcher's own gates). */
  why: proc(API.tickets.why).query(({ ctx, input }) =>
    whyTicket(ctx.deps.db, ctx.deps.clock, ctx.actor.orgId, input.ticket),
  ),
});

export const commentsRouter = router({
  add: proc(API.comments.add).mutation(({ ctx, input }) => addComment(ctx.deps, ctx.actor, input)),
  edit: proc(API.comments.edit).mutation(({ ctx, input }) => editComment(ctx.deps, ctx.actor, input)),
  history: proc(API.comments.history).query(({ ctx, input }) =>
    commentHistory(ctx.deps.db, ctx.actor.orgId, input.commentId),
  ),
});

/** A person's saved views of a board (their own only). */
export const viewsRouter = router({
  list: proc(API.views.list).query(({ ctx, input }) => listViews(ctx.deps.db, ctx.actor, input.project)),
  save: proc(API.views.save).mutation(({ ctx, input }) => saveView(ctx.deps, ctx.actor, input)),
  delete: proc(API.views.delete).mutation(({ ctx, input }) => deleteView(ctx.deps, ctx.actor, input)),
});
