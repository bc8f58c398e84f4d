/**
 * `openase chat start`, the default of `openase chat`: the interactive prompt (readline) that streams the
 * agent's replies, with `/interrupt`, `/close` and `/quit`, or one message with `--message` (chat-message.ts).
 */
import readline from 'node:readline';
import { JSON_OPTION, UsageError, stringOption, type Command, type CommandIo } from '../command.js';
import { apiClientFromEnv, describeApiError, type ApiClient } from '../client.js';
import { currentRunSeq, followTurn } from './chat-follow.js';
import { ATTACH_OPTIONS, attachmentsFrom, oneShot, say } from './chat-message.js';

/**
 * The interactive prompt: one line per message; replies stream while you can type `/interrupt`. A failure is printed
 * and the prompt goes on; the exit code is 1 when the last message failed (`echo hi | openase chat` in a script).
 */
export async function interactive(io: CommandIo, api: ApiClient, target: Parameters<typeof say>[1]): Promise<number> {
  const rl = readline.createInterface({ input: io.stdin ?? process.stdin, terminal: false });
  const write = (t: string) => (io.write ? io.write(t) : io.out(t));
  let conversation = target.conversation;
  let busy: Promise<unknown> | null = null;
  let failed = false;
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
      failed = false;
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
        .catch((err) => {
          failed = true;
          io.err(`openase chat: ${describeApiError(err, io.env).message}`);
        })
        .finally(() => {
          busy = null;
          prompt();
        });
    } catch (err) {
      failed = true;
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
  return failed ? 1 : 0;
}

export const startCommand: Command = {
  name: 'start',
  summary: 'talk with Project AI (interactive; one-shot with --message); the default of `openase chat`',
  args: [],
  usage: '--project P [--agent A] [--cap USD] [--conversation ID] [--message TEXT [--json] [--close]]',
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
