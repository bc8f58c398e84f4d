/**
 * `openase chat`: Project AI in the terminal. Without a subcommand it is an interactive prompt
 * (readline) that streams the agent's replies, with `/interrupt`, `/close` and `/quit`; with
 * `--message` it is one-shot (prints the reply, or JSON with `--json`). Subcommands list, show,
 * send to, interrupt and close conversations and change the project's Project-AI settings; workspace, ticket and pr
 * (chat-workspace.ts) show a conversation's work and turn it into a ticket and a pull request.
 */
import readline from 'node:readline';
import {
  chatShowsEvent,
  describeRunEvent,
  TERMINAL_RUN_STATES,
  type RunState,
  type SequencedRunEvent,
} from '@openase/shared';
import {
  JSON_OPTION,
  UsageError,
  listOption,
  requireOption,
  stringOption,
  type Command,
  type GroupBody,
  type CommandIo,
} from '../command.js';
import { apiClientFromEnv, describeApiError, type ApiClient } from '../client.js';
import { printFields, printJson, printTable } from '../output.js';
import { chatWorkspaceCommands, conversationOf } from './chat-workspace.js';
import { callCommand } from '../call-command.js';

/** How one run event shows in the terminal transcript, as in the console's chat panel; null = not shown. */
export function describeChatEvent(e: SequencedRunEvent['event']): string | null {
  return chatShowsEvent(e) ? `  ${describeRunEvent(e).text}` : null;
}

interface TurnResult {
  reply: string;
  turn: number | null;
  ended: boolean;
  runState: string;
  events: SequencedRunEvent[];
}

/**
 * Follows a run's events from `afterSeq` until a turn at or after `turn` finishes or the run ends.
 * Streams the assistant's text (deltas as they come) and one line per tool call or file change.
 */
export async function followTurn(
  api: ApiClient,
  runId: string,
  opts: {
    afterSeq: number;
    turn: number | null;
    write?: (text: string) => void;
    line?: (text: string) => void;
    pollMs?: number;
  },
): Promise<TurnResult & { lastSeq: number }> {
  let after = opts.afterSeq;
  let streamed = false;
  let reply = '';
  const seen: SequencedRunEvent[] = [];
  for (;;) {
    const page = (await api.runs.events.query({ run: runId, afterSeq: after, limit: 1000 })) as SequencedRunEvent[];
    for (const e of page) {
      after = e.seq;
      seen.push(e);
      const ev = e.event;
      if (ev.type === 'message' && ev.role === 'assistant') {
        if (ev.delta) {
          streamed = true;
          opts.write?.(ev.text);
        } else {
          if (!streamed) opts.write?.(ev.text);
          if (streamed || ev.text) opts.write?.('\n');
          reply = reply ? `${reply}\n${ev.text}` : ev.text;
          streamed = false;
        }
        continue;
      }
      const line = describeChatEvent(ev);
      if (line) opts.line?.(line);
      if (ev.type === 'turn.finished' && (opts.turn === null || ev.turn >= opts.turn))
        return { reply, turn: ev.turn, ended: false, runState: 'running', events: seen, lastSeq: after };
    }
    if (page.length === 1000) continue;
    const run = await api.runs.show.query({ run: runId });
    if (TERMINAL_RUN_STATES.has(run.state as RunState) && after >= run.ackedSeq)
      return { reply, turn: null, ended: true, runState: run.state, events: seen, lastSeq: after };
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

async function lastSeq(api: ApiClient, runId: string): Promise<number> {
  const run = await api.runs.show.query({ run: runId });
  return run.ackedSeq;
}

/** Sends one message (creating the conversation when there is none) and returns where its reply will be. */
async function say(
  api: ApiClient,
  target: { conversation?: string; project?: string; agent?: string; costCapUsd?: number },
  message: string,
  attachments: unknown[],
) {
  if (target.conversation) {
    const sent = await api.chat.send.mutate({
      conversation: target.conversation,
      message,
      attachments: attachments as never,
    });
    return {
      conversation: target.conversation,
      runId: sent.run.id,
      turn: sent.message.turn ?? null,
      queued: !sent.delivered && sent.message.turn === null,
      waits: sent.run.waits,
    };
  }
  const created = await api.chat.create.mutate({
    project: target.project!,
    ...(target.agent ? { agent: target.agent } : {}),
    ...(target.costCapUsd ? { costCapUsd: target.costCapUsd } : {}),
    message,
    attachments: attachments as never,
  });
  return {
    conversation: created.conversation.id,
    runId: created.run.id,
    turn: 1,
    queued: false,
    waits: created.run.waits,
  };
}

function attachmentsFrom(args: { values: Record<string, unknown> }): unknown[] {
  return [
    ...(listOption(args.values.ticket as string[] | undefined) ?? []).map((ticket) => ({ kind: 'ticket', ticket })),
    ...(listOption(args.values.workflow as string[] | undefined) ?? []).map((workflow) => ({
      kind: 'workflow',
      workflow,
    })),
    ...(listOption(args.values.file as string[] | undefined) ?? []).map((path) => ({ kind: 'file', path })),
  ];
}

const ATTACH_OPTIONS = {
  ticket: { type: 'string', multiple: true, value: 'ID', description: 'attach a ticket to the message' },
  workflow: { type: 'string', multiple: true, value: 'NAME', description: 'attach a workflow (its harness file)' },
  file: { type: 'string', multiple: true, value: 'PATH', description: 'attach a file of the conversation’s workspace' },
} as const;

/** One message, then wait for its reply: prints it (streamed), or JSON. */
async function oneShot(
  io: CommandIo,
  api: ApiClient,
  target: Parameters<typeof say>[1],
  message: string,
  attachments: unknown[],
  json: boolean,
  close: boolean,
): Promise<number> {
  const before = target.conversation ? await currentRunSeq(api, target.conversation) : null;
  const said = await say(api, target, message, attachments);
  if (said.waits && !json)
    io.err(`(the agent ${said.waits}; it starts when one frees — close the conversation to give up)`);
  const afterSeq = before && before.runId === said.runId ? before.seq : 0;
  const write = json ? undefined : (t: string) => (io.write ? io.write(t) : io.out(t));
  const result = await followTurn(api, said.runId, {
    afterSeq,
    turn: said.turn,
    ...(write ? { write } : {}),
    ...(json ? {} : { line: (l: string) => io.err(l) }),
  });
  if (close) await api.chat.close.mutate({ conversation: said.conversation });
  const shown = await api.chat.show.query({ conversation: said.conversation });
  if (json) {
    printJson(io, {
      conversation: said.conversation,
      run: said.runId,
      turn: result.turn,
      reply: result.reply,
      ended: result.ended,
      toolCalls: result.events.filter((e) => e.event.type === 'tool.call').map((e) => e.event),
      fileChanges: result.events.filter((e) => e.event.type === 'file.change').map((e) => e.event),
      costUsd: shown.costUsd,
      costCapUsd: shown.costCapUsd,
    });
  } else
    io.err(
      `conversation ${said.conversation.slice(0, 8)} · $${shown.costUsd.toFixed(4)} of $${shown.costCapUsd.toFixed(2)}${result.ended ? ` · run ${result.runState}` : ''}`,
    );
  return result.ended && result.runState !== 'succeeded' ? 1 : 0;
}

async function currentRunSeq(api: ApiClient, conversation: string): Promise<{ runId: string; seq: number } | null> {
  const c = await api.chat.show.query({ conversation });
  return c.run ? { runId: c.run.id, seq: await lastSeq(api, c.run.id) } : null;
}

/** The interactive prompt: one line per message; replies stream while you can type `/interrupt`. */
async function interactive(io: CommandIo, api: ApiClient, target: Parameters<typeof say>[1]): Promise<number> {
  const rl = readline.createInterface({ input: io.stdin ?? process.stdin, terminal: false });
  const write = (t: string) => (io.write ? io.write(t) : io.out(t));
  let conversation = target.conversation;
  let busy: Promise<unknown> | null = null;
  io.err(
    'Project AI: type a message and press Enter; /interrupt stops the reply, /close ends the conversation, /quit leaves (it can be reopened).',
  );
  const prompt = () => write('you> ');
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) continue;
    try {
      if (line === '/quit') break;
      if (line === '/interrupt') {
        if (conversation) await api.chat.interrupt.mutate({ conversation });
        continue;
      }
      if (line === '/close') {
        if (conversation) await api.chat.close.mutate({ conversation });
        break;
      }
      if (busy) {
        io.err('(the agent is still replying; your message is queued for its next turn)');
      }
      const before = conversation ? await currentRunSeq(api, conversation) : null;
      const said = await say(api, { ...target, ...(conversation ? { conversation } : {}) }, line, []);
      if (!conversation)
        io.err(
          `conversation ${said.conversation} (branch openase/chat-${said.conversation.replace(/-/g, '').slice(0, 8)})`,
        );
      conversation = said.conversation;
      if (said.waits) io.err(`(the agent ${said.waits}; it starts when one frees — /close to give up)`);
      const afterSeq = before && before.runId === said.runId ? before.seq : 0;
      write('ai> ');
      busy = followTurn(api, said.runId, { afterSeq, turn: said.turn, write, line: (l) => io.err(l) })
        .then(async (r) => {
          const c = await api.chat.show.query({ conversation: said.conversation });
          io.err(
            `($${c.costUsd.toFixed(4)} of $${c.costCapUsd.toFixed(2)}${r.ended ? `; the run ended: ${r.runState}` : ''})`,
          );
        })
        .catch((err) => io.err(`openase chat: ${describeApiError(err, io.env).message}`))
        .finally(() => {
          busy = null;
          prompt();
        });
    } catch (err) {
      io.err(`openase chat: ${describeApiError(err, io.env).message}`);
      prompt();
    }
  }
  await busy;
  rl.close();
  if (conversation)
    io.err(
      `left conversation ${conversation.slice(0, 8)}; continue with \`openase chat --conversation ${conversation.slice(0, 8)}\``,
    );
  return 0;
}

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
    usage: `openase chat ${name} ID`,
    async run(args, io) {
      await call(apiClientFromEnv(io.env), conversationOf(args));
      io.out(done);
    },
  };
}

const startCommand: Command = {
  name: 'start',
  summary: 'talk with Project AI (interactive; one-shot with --message); the default of `openase chat`',
  usage: 'openase chat --project P [--agent A] [--cap USD] [--conversation ID] [--message TEXT [--json] [--close]]',
  options: {
    project: { type: 'string', value: 'SLUG', description: 'the project (for a new conversation)' },
    agent: { type: 'string', value: 'NAME', description: "the agent to talk to (default: the project's first)" },
    conversation: { type: 'string', value: 'ID', description: 'continue (or reopen) this conversation' },
    message: { type: 'string', value: 'TEXT', description: 'send one message, print the reply and exit' },
    close: { type: 'boolean', description: 'with --message: close the conversation after the reply' },
    cap: { type: 'string', value: 'USD', description: "a new conversation's cost cap (default: the project's)" },
    ...ATTACH_OPTIONS,
    ...JSON_OPTION,
  },
  examples: [
    'openase chat --project demo',
    'openase chat --project demo --message "Split the login work into tickets" --json',
    'openase chat --conversation 3f2a1b2c --message "and add tests" --ticket DEMO-4',
  ],
  async run(args, io) {
    const conversation = stringOption(args.values.conversation);
    const project = stringOption(args.values.project);
    if (!conversation && !project)
      throw new UsageError('give --project P for a new conversation, or --conversation ID to continue one');
    const agent = stringOption(args.values.agent);
    const capText = stringOption(args.values.cap);
    const costCapUsd = capText === undefined ? undefined : Number(capText);
    if (costCapUsd !== undefined && (!Number.isFinite(costCapUsd) || costCapUsd <= 0))
      throw new UsageError('--cap must be a positive number of dollars');
    const target = {
      ...(conversation ? { conversation } : {}),
      ...(project ? { project } : {}),
      ...(agent ? { agent } : {}),
      ...(costCapUsd !== undefined ? { costCapUsd } : {}),
    };
    const api = apiClientFromEnv(io.env);
    const message = stringOption(args.values.message);
    if (message !== undefined)
      return oneShot(
        io,
        api,
        target,
        message,
        attachmentsFrom(args),
        args.values.json === true,
        args.values.close === true,
      );
    if (args.values.json) throw new UsageError('--json needs --message (the interactive prompt is for people)');
    return interactive(io, api, target);
  },
};

export const chatCommands: GroupBody = {
  default: 'start',
  commands: [
    startCommand,
    callCommand({
      name: 'list',
      summary: "list the project's conversations",
      usage: 'openase chat list --project P [--open] [--json]',
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
      usage: 'openase chat show ID [--json]',
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
          ['runs', c.runs.map((r) => `${r.id.slice(0, 8)} ${r.state}`).join(', ')],
        ]);
        io.out('');
        for (const m of c.messages)
          io.out(`[${m.seq}] ${m.authorName}${m.turn ? ` (turn ${m.turn})` : ' (queued)'}: ${m.text}`);
      },
    }),
    {
      name: 'send',
      summary: 'send a message to a conversation and print the reply (reopens a closed one)',
      usage: 'openase chat send ID --message TEXT [--json]',
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
      usage: 'openase chat cap ID --usd N',
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
      usage: 'openase chat settings --project P [--scopes a,b] [--cap USD] [--json]',
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
