/** `openase ticket ask` (an agent asks a person) and `openase ticket answer` (the person answers). */
import { JSON_OPTION, requirePositional, type Command } from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printJson } from '../output.js';
import { withOwnTicket } from './definitions-common.js';

export const askCommand: Command = {
  name: 'ask',
  summary: 'ask a person a question (from an agent run): the run ends after this turn and the ticket waits for input',
  args: ['[TICKET]', 'QUESTION'],
  usage: '[--json]',
  options: { ...JSON_OPTION },
  async run(parsed, io) {
    const args = withOwnTicket(parsed, io.env, 2);
    const ticket = requirePositional(args, 0, 'TICKET identifier');
    const asked = await apiClientFromEnv(io.env).tickets.ask.mutate({
      ticket,
      question: requirePositional(args, 1, 'QUESTION'),
    });
    if (args.values.json) return printJson(io, asked);
    io.out(
      `asked: ${ticket} now waits for a person's answer. End your turn here; the answer will be your next prompt in this same session.`,
    );
  },
};

export const answerCommand: Command = {
  name: 'answer',
  summary:
    "answer the question an agent asked on a ticket: the ticket is picked up again, resuming the agent's session",
  args: ['TICKET', 'ANSWER'],
  usage: '[--json]',
  options: { ...JSON_OPTION },
  async run(args, io) {
    const ticket = requirePositional(args, 0, 'TICKET identifier');
    const answered = await apiClientFromEnv(io.env).tickets.answer.mutate({
      ticket,
      answer: requirePositional(args, 1, 'ANSWER'),
    });
    if (args.values.json) return printJson(io, answered);
    io.out(`answered ${ticket}: the agent continues with your answer`);
  },
};
