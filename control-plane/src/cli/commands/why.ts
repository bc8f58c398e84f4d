import { JSON_OPTION, requirePositional, type Command } from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printJson } from '../output.js';

/** `openase ticket why ID`: the dispatcher's own gates, evaluated now. */
export const whyCommand: Command = {
  name: 'why',
  summary: 'say exactly why a ticket would or would not be picked up now',
  usage: 'openase ticket why TICKET [--json]',
  options: { ...JSON_OPTION },
  async run(args, io) {
    const d = await apiClientFromEnv(io.env).tickets.why.query({ ticket: requirePositional(args, 0, 'TICKET identifier') });
    if (args.values.json) return printJson(io, d);
    if (d.dispatchable) {
      io.out(d.summary);
      return;
    }
    io.out(`${d.ticket} is not picked up now${d.workflow ? ` (workflow ${d.workflow})` : ''}:`);
    for (const r of d.reasons) io.out(`  - ${r.message} [${r.code}]`);
  },
};
