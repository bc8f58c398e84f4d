/**
 * `openase chat workspace|ticket|pr`: a Project AI conversation's workspace in the terminal (its files and diff
 * against the base branch, the commands it ran) and its work into the normal flow: a ticket, a pull request of its
 * branch (docs/project-ai.md).
 */
import { diffSummary } from '@openase/shared';
import { JSON_OPTION, requirePositional, stringOption, type Command } from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printJson } from '../output.js';
import { callCommand } from '../call-command.js';

/** The conversation a `openase chat` command names: its first argument. */
export const conversationOf = (args: Parameters<Command['run']>[0]) =>
  requirePositional(args, 0, 'the conversation id');

export const chatWorkspaceCommands: Command[] = [
  callCommand({
    name: 'workspace',
    summary: "show a conversation's changed files and diff against the base branch, and the commands it ran",
    args: ['ID'],
    usage: '[--patch] [--json]',
    options: { patch: { type: 'boolean', description: 'print the diff text too' } },
    call: (api, args) => api.chat.workspace.query({ conversation: conversationOf(args) }),
    print(io, ws, args) {
      io.out(`branch ${ws.branch}`);
      if (ws.ticket) io.out(`ticket ${ws.ticket.identifier}: ${ws.ticket.title}`);
      for (const p of ws.pullRequests) io.out(`pull request #${p.number} (${p.state}) ${p.url}`);
      if (ws.diff) {
        io.out(`${diffSummary(ws.diff.files, ws.diff.additions, ws.diff.deletions)} (read by ${ws.diff.machine})`);
        for (const r of ws.diff.repos) {
          if (r.error) io.out(`  ${r.repo}: ${r.error}`);
          for (const f of r.files)
            io.out(`  ${f.path}  ${f.additions === null ? 'binary' : `+${f.additions} -${f.deletions}`}`);
        }
        if (args.values.patch) for (const r of ws.diff.repos) io.out(r.patch);
      } else io.out(`no diff: ${ws.diffError}`);
      io.out(ws.commands.length ? 'commands:' : 'no command yet');
      for (const c of ws.commands)
        io.out(`  $ ${c.command}  ${c.status}${c.exitCode !== null ? ` (exit ${c.exitCode})` : ''}`);
    },
  }),
  {
    name: 'ticket',
    summary: "make a conversation's work a ticket (once; again prints the same ticket)",
    args: ['ID'],
    usage: '[--title T] [--json]',
    options: { title: { type: 'string', value: 'T', description: "the ticket's title" }, ...JSON_OPTION },
    async run(args, io) {
      const title = stringOption(args.values.title);
      const made = await apiClientFromEnv(io.env).chat.createTicket.mutate({
        conversation: conversationOf(args),
        ...(title ? { title } : {}),
      });
      if (args.values.json) return printJson(io, made);
      io.out(`${made.created ? 'created' : 'already made:'} ${made.ticket.identifier} ${made.ticket.title}`);
    },
  },
  callCommand({
    name: 'pr',
    summary: "open a pull request of a closed conversation's branch, on the ticket made from it",
    args: ['ID'],
    usage: '[--json]',
    call: (api, args) => api.chat.openPullRequest.mutate({ conversation: conversationOf(args) }),
    print(io, opened) {
      for (const p of opened.pullRequests)
        io.out(
          p.error
            ? `${p.repository}: ${p.error}`
            : `pull request #${p.number} for ${opened.ticket.identifier}: ${p.url}`,
        );
    },
  }),
];
