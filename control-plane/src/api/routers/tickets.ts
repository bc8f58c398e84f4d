import { z } from 'zod';
import {
  commentAddInput,
  commentEditInput,
  ticketAnswerInput,
  ticketArchiveInput,
  ticketAskInput,
  ticketCreateInput,
  ticketLinkInput,
  ticketListInput,
  ticketMoveInput,
  ticketRetryInput,
  ticketRefSchema,
  ticketUpdateInput,
  ticketProgressInput,
  ticketDiffInput,
  ticketReviewInput,
} from '@openase/shared';
import { addComment, commentHistory, editComment } from '../../tickets/comments.js';
import { linkTickets, unlinkTickets } from '../../tickets/dependencies.js';
import { ticketDetail } from '../../tickets/detail.js';
import { archiveTicket, createTicket, listTickets, moveTicket, updateTicket } from '../../tickets/tickets.js';
import { agentMoveTicket, type AgentMoveResult } from '../../orchestrator/agent-moves.js';
import { retryTicket } from '../../tickets/retry.js';
import { whyTicket } from '../../orchestrator/pickup-facts.js';
import { reportProgress } from '../../tickets/progress.js';
import { ticketDiff } from '../../review/diff.js';
import { submitReview } from '../../review/reviews.js';
import { reviewStanding } from '../../review/standing.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';
import { answerQuestion, askQuestion } from '../../tickets/questions.js';

export const ticketsRouter = router({
  list: readProcedure
    .input(ticketListInput)
    .query(({ ctx, input }) => listTickets(ctx.deps.db, ctx.actor.orgId, input)),
  show: readProcedure.input(z.object({ ticket: ticketRefSchema })).query(async ({ ctx, input }) => {
    const detail = await ticketDetail(ctx.deps.db, ctx.actor.orgId, input.ticket);
    // Where the ticket stands in review: round, verdict, waiting / merging / merge failed.
    return { ...detail, review: await reviewStanding(ctx.deps.db, detail) };
  }),
  create: writeProcedure
    .input(ticketCreateInput)
    .mutation(({ ctx, input }) => createTicket(ctx.deps, ctx.actor, input)),
  update: writeProcedure
    .input(ticketUpdateInput)
    .mutation(({ ctx, input }) => updateTicket(ctx.deps, ctx.actor, input)),
  move: writeProcedure
    .input(ticketMoveInput)
    .mutation(({ ctx, input }): Promise<AgentMoveResult> =>
      ctx.actor.run ? agentMoveTicket(ctx.deps, ctx.actor, input) : moveTicket(ctx.deps, ctx.actor, input),
    ),
  retry: writeProcedure.input(ticketRetryInput).mutation(({ ctx, input }) => retryTicket(ctx.deps, ctx.actor, input)),
  archive: writeProcedure
    .input(ticketArchiveInput)
    .mutation(({ ctx, input }) => archiveTicket(ctx.deps, ctx.actor, input)),
  link: writeProcedure.input(ticketLinkInput).mutation(({ ctx, input }) => linkTickets(ctx.deps, ctx.actor, input)),
  unlink: writeProcedure.input(ticketLinkInput).mutation(({ ctx, input }) => unlinkTickets(ctx.deps, ctx.actor, input)),
  /** An agent asks a person: its run ends after the turn and the ticket waits ("Waiting for input"). */
  ask: writeProcedure.input(ticketAskInput).mutation(({ ctx, input }) => askQuestion(ctx.deps, ctx.actor, input)),
  /** A person's answer: the ticket is dispatched again, resuming the session that asked. */
  answer: writeProcedure
    .input(ticketAnswerInput)
    .mutation(({ ctx, input }) => answerQuestion(ctx.deps, ctx.actor, input)),
  reportProgress: writeProcedure
    .input(ticketProgressInput)
    .mutation(({ ctx, input }) => reportProgress(ctx.deps, ctx.actor, input)),
  /** The branch's diff against its base (or one run's changes), read by the machine holding the worktree. */
  diff: readProcedure
    .input(ticketDiffInput)
    .query(({ ctx, input }) => ticketDiff(ctx.deps, ctx.fleet, ctx.actor, input)),
  /** A person approves or requests changes (review/reviews.ts). */
  review: writeProcedure
    .input(ticketReviewInput)
    .mutation(({ ctx, input }) => submitReview(ctx.deps, ctx.actor, input)),
  /** Why the ticket would or would not be picked up now (the dispatcher's own gates). */
  why: readProcedure
    .input(z.object({ ticket: ticketRefSchema }))
    .query(({ ctx, input }) => whyTicket(ctx.deps.db, ctx.deps.clock, ctx.actor.orgId, input.ticket)),
});

export const commentsRouter = router({
  add: writeProcedure.input(commentAddInput).mutation(({ ctx, input }) => addComment(ctx.deps, ctx.actor, input)),
  edit: writeProcedure.input(commentEditInput).mutation(({ ctx, input }) => editComment(ctx.deps, ctx.actor, input)),
  history: readProcedure
    .input(z.object({ commentId: z.string().uuid() }))
    .query(({ ctx, input }) => commentHistory(ctx.deps.db, ctx.actor.orgId, input.commentId)),
});
