/**
 * `openase chat`: Project AI in the terminal. Without a subcommand it is an interactive prompt
 * (readline) that streams the agent's replies, with `/interrupt`, `/close` and `/quit`; with
 * `--message` it is one-shot (prints the reply, or JSON with `--json`); both are chat-start.ts. Subcommands list, show,
 * send to, interrupt and close conversations and change the project's Project-AI settings; workspace, ticket and pr
 * (chat-workspace.ts) show a conversation's work and turn it into a ticket and a pull request.
 */
import {
  JSON_OPTION,
  UsageError,
  listOption,
  requireOption,
  stringOption,
  type Command,
  type GroupBody,
} from '../command.js';
import { apiClientFromEnv, type ApiClient } from '../client.js';
import { printFields, printTable } from '../output.js';
import { chatWorkspaceCommands, conversationOf } from './chat-workspace.js';
import { runStateText } from './run-list.js';
import { callCommand } from '../call-command.js';
import { ATTACH_OPTIONS, attachmentsFrom, oneShot } from './chat-message.js';
import { startCommand } from './chat-start.js';

/** `openase chat <name> ID`: one call on a conversation, one line of output. */
function conversationAction(
  name: string,
  summary: string,
  call: (api: ApiClient, conversation: string) => Promise<unknown>,
  done: string,
): Command {
  return {
    name,
    summary,
    args: ['ID'],
    async run(args, io) {
      await call(apiClientFromEnv(io.env), conversationOf(args));
      io.out(done);
    },
  };
}

export const chatCommands: GroupBody = {
  default: 'start',
  commands: [
    startCommand,
    callCommand({
      name: 'list',
      summary: "list the project's conversations",
      args: [],
      usage: '--project P [--open] [--json]',
      options: {
        project: { type: 'string', value: 'SLUG', description: 'the project' },
        open: { type: 'boolean', description: 'only open conversations' },
      },
      call: (api, args) =>
        api.chat.list.query({
          project: requireOption(args, 'project'),
          includeClosed: args.values.open !== true,
        }),
      print(io, rows) {
        printTable(
          io,
          ['ID', 'STATE', 'NOW', 'AGENT', 'COST', 'STARTED BY', 'TITLE'],
          rows.map((c) => [
            c.id.slice(0, 8),
            c.state,
            c.activity,
            c.agent?.name,
            `$${c.costUsd.toFixed(4)}/$${c.costCapUsd.toFixed(2)}`,
            c.createdByName,
            c.title,
          ]),
        );
      },
    }),
    callCommand({
      name: 'show',
      summary: 'show a conversation: messages, runs, cost, scopes',
      args: ['ID'],
      usage: '[--json]',
      call: (api, args) => api.chat.show.query({ conversation: conversationOf(args) }),
      print(io, c) {
        printFields(io, [
          ['id', c.id],
          ['title', c.title],
          ['state', `${c.state} (${c.activity})`],
          ['agent', c.agent?.name],
          ['branch', c.branch],
          ['started by', c.createdByName],
          ['cost', `$${c.costUsd.toFixed(4)} of $${c.costCapUsd.toFixed(2)}`],
          ['scopes', c.scopes.join(', ')],
          ['runs', c.runs.map((r) => `${r.id.slice(0, 8)} ${runStateText(r.state)}`).join(', ')],
        ]);
        io.out('');
        for (const m of c.messages)
          io.out(`[${m.seq}] ${m.authorName}${m.turn ? ` (turn ${m.turn})` : ' (queued)'}: ${m.text}`);
      },
    }),
    {
      name: 'send',
      summary: 'send a message to a conversation and print the reply (reopens a closed one)',
      args: ['ID'],
      usage: '--message TEXT [--json]',
      options: {
        message: { type: 'string', value: 'TEXT', description: 'the message' },
        ...ATTACH_OPTIONS,
        ...JSON_OPTION,
      },
      async run(args, io) {
        const conversation = conversationOf(args);
        return oneShot(
          io,
          apiClientFromEnv(io.env),
          { conversation },
          requireOption(args, 'message'),
          attachmentsFrom(args),
          args.values.json === true,
          false,
        );
      },
    },
    conversationAction(
      'interrupt',
      "stop the agent's current reply (the conversation stays open)",
      (api, conversation) => api.chat.interrupt.mutate({ conversation }),
      'interrupted',
    ),
    conversationAction(
      'close',
      'close a conversation (its run ends; a new message reopens it)',
      (api, conversation) => api.chat.close.mutate({ conversation }),
      'closed',
    ),
    ...chatWorkspaceCommands,
    {
      name: 'cap',
      summary: "set one conversation's cost cap",
      args: ['ID'],
      usage: '--usd N',
      options: { usd: { type: 'string', value: 'N', description: 'the cap in US dollars' } },
      async run(args, io) {
        const usd = Number(requireOption(args, 'usd'));
        if (!Number.isFinite(usd) || usd <= 0) throw new UsageError('--usd must be a positive number');
        await apiClientFromEnv(io.env).chat.cap.mutate({
          conversation: conversationOf(args),
          usd,
        });
        io.out(`cost cap set to $${usd.toFixed(2)}`);
      },
    },
    callCommand({
      name: 'settings',
      summary: "show or change the project's Project-AI scopes and default cost cap",
      args: [],
      usage: '--project P [--scopes a,b] [--cap USD] [--json]',
      options: {
        project: { type: 'string', value: 'SLUG', description: 'the project' },
        scopes: {
          type: 'string',
          multiple: true,
          value: 'SCOPE',
          description: 'the run-token scopes a conversation gets (replaces the list)',
        },
        cap: { type: 'string', value: 'USD', description: 'default cost cap per conversation' },
      },
      async call(api, args) {
        const project = requireOption(args, 'project');
        const scopes = listOption(args.values.scopes);
        const capText = stringOption(args.values.cap);
        const cap = capText === undefined ? undefined : Number(capText);
        if (cap !== undefined && (!Number.isFinite(cap) || cap <= 0))
          throw new UsageError('--cap must be a positive number');
        return scopes || cap !== undefined
          ? api.chat.updateSettings.mutate({
              project,
              ...(scopes ? { scopes } : {}),
              ...(cap !== undefined ? { costCapUsd: cap } : {}),
            })
          : api.chat.settings.query({ project });
      },
      print(io, settings) {
        printFields(io, [
          ['project', settings.project],
          ['scopes', settings.scopes.join(', ') || '(none)'],
          ['cost cap', `$${settings.costCapUsd.toFixed(2)} per conversation`],
        ]);
      },
    }),
  ],
};
