/**
 * Questions (docs/project-ai.md, "Humans in the loop"): an agent that needs a decision asks a person with
 * `openase ticket ask "…"` instead of guessing or failing. The ticket is then "Waiting for input": its run ends cleanly
 * after the turn (orchestrator/turns.ts), the machine slot is freed, and the ticket is not dispatched again until a
 * person answers (drawer reply, `openase ticket answer`). The next run resumes the same CLI session with the answer
 * as its first prompt (orchestrator/job-spec.ts); the dispatcher clears both when it starts.
 */
import { eq } from 'drizzle-orm';
import { badRequest, conflict, ticketAnswerInput, ticketAskInput } from '@openase/shared';
import type { z } from 'zod';
import { tickets } from '../db/schema.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { onTicket } from './ticket-write.js';

export async function askQuestion(deps: Deps, actor: Actor, raw: z.input<typeof ticketAskInput>) {
  return onTicket(
    deps,
    actor,
    'ask questions on tickets',
    ticketAskInput,
    raw,
    async ({ tx, changes, ticket, input }) => {
      if (!actor.run || actor.run.ticketId !== ticket.id)
        throw badRequest(
          `only the agent working ${ticket.identifier} asks its questions; a person comments instead (openase comment add)`,
        );
      const now = deps.clock.now();
      // The asking run ends cleanly: it does not use up an attempt.
      await tx
        .update(tickets)
        .set({
          question: input.question,
          questionAskedAt: now,
          answer: null,
          answeredBy: null,
          attemptCount: Math.max(0, ticket.attemptCount - 1),
          updatedAt: now,
        })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...aboutTicket(ticket),
        action: 'ticket.question',
        summary: `${ticket.identifier} is waiting for input: ${input.question}`,
        after: { question: input.question, run: actor.run.runId },
      });
      return { ticket: ticket.identifier, question: input.question };
    },
  );
}

export async function answerQuestion(deps: Deps, actor: Actor, raw: z.input<typeof ticketAnswerInput>) {
  return onTicket(
    deps,
    actor,
    'answer questions on tickets',
    ticketAnswerInput,
    raw,
    async ({ tx, changes, ticket, input }) => {
      if (!ticket.question) throw conflict(`${ticket.identifier} has no question waiting for an answer`);
      if (ticket.answer) throw conflict(`${ticket.identifier}'s question was already answered by ${ticket.answeredBy}`);
      await tx
        .update(tickets)
        .set({ answer: input.answer, answeredBy: actor.name, updatedAt: deps.clock.now() })
        .where(eq(tickets.id, ticket.id));
      await recordActivity(tx, deps, changes, actor, {
        ...aboutTicket(ticket),
        action: 'ticket.answered',
        summary: `${actor.name} answered ${ticket.identifier}'s question: ${input.answer.slice(0, 300)}`,
        after: { question: ticket.question, answer: input.answer },
      });
      return { ticket: ticket.identifier, question: ticket.question, answer: input.answer };
    },
  );
}

/**
 * What every prompt of a ticket's run says about finishing. Never "commit it": the platform commits what a turn leaves
 * in the worktree, and an agent cannot write git history in its sandbox (docs/agents.md, the commit skill).
 */
export const WHEN_DONE =
  'When the work is done, move the ticket to its finish status with the openase command (see the openase-platform skill); the platform commits and pushes what you leave in the worktree.';

/** The first prompt of the run after an answer (it resumes the session that asked). */
export function answerPrompt(ticket: {
  identifier: string;
  question: string;
  answer: string;
  answeredBy: string | null;
}) {
  return [
    `${ticket.answeredBy ?? 'A person'} answered your question on ${ticket.identifier}.`,
    '',
    `Your question: ${ticket.question}`,
    '',
    `Their answer: ${ticket.answer}`,
    '',
    `Continue working on the ticket with this answer. ${WHEN_DONE}`,
  ].join('\n');
}
