import { JSON_OPTION, requirePositional, type Command } from '../command.js';
import { positiveIntOption, ticketArg, withOwnTicket } from './definitions-common.js';
import { apiClientFromEnv } from '../client.js';
import { printJson } from '../output.js';
import { callCommand } from '../call-command.js';

/** `openase ticket why ID`: the dispatcher's own gates, evaluated now. */
export const whyCommand: Command = callCommand({
  name: 'why',
  summary: 'say exactly why a ticket would or would not be picked up now',
  args: ['TICKET'],
  usage: '[--json]',
  call: (api, parsed, io) => api.tickets.why.query({ ticket: ticketArg(parsed, io.env, 1) }),
  print(io, d) {
    // A ticket waiting for review or being merged is not meant to be picked up: say that first.
    if (d.review.stage) {
      io.out(d.review.message!);
      return;
    }
    if (d.review.message) io.out(d.review.message);
    if (d.dispatchable) {
      io.out(d.summary);
      return;
    }
    io.out(`${d.ticket} is not picked up now${d.workflow ? ` (workflow ${d.workflow})` : ''}:`);
    for (const r of d.reasons) io.out(`  - ${r.message} [${r.code}]`);
  },
});

/** `openase ticket progress ID TEXT [--percent N]`: what the openase-platform skill tells agents to use. */
export const progressCommand: Command = {
  name: 'progress',
  summary: 'report progress on a ticket (a short line and an optional percent)',
  args: ['TICKET', 'TEXT'],
  usage: '[--percent N] [--json]',
  options: { percent: { type: 'string', value: 'N', description: 'percent done, 0–100' }, ...JSON_OPTION },
  async run(parsed, io) {
    const args = withOwnTicket(parsed, io.env, 2);
    const ticket = requirePositional(args, 0, 'TICKET identifier');
    const raw = args.values.percent;
    const percent = raw === '0' ? 0 : positiveIntOption(args, 'percent');
    const progress = await apiClientFromEnv(io.env).tickets.reportProgress.mutate({
      ticket,
      text: requirePositional(args, 1, 'progress TEXT'),
      percent,
    });
    if (args.values.json) return printJson(io, progress);
    io.out(`reported progress on ${ticket}${progress.percent !== null ? ` (${progress.percent}%)` : ''}`);
  },
};
