/**
 * One message to Project AI from the terminal: sends it (creating the conversation when there is none),
 * with its attachments, and waits for the reply (`openase chat --message`, `openase chat send`).
 */
import { listOption, type CommandIo } from '../command.js';
import type { ApiClient } from '../client.js';
import { printJson } from '../output.js';
import { currentRunSeq, followTurn } from './chat-follow.js';

/** Sends one message (creating the conversation when there is none) and returns where its reply will be. */
export async function say(
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

export function attachmentsFrom(args: { values: Record<string, unknown> }): unknown[] {
  return [
    ...(listOption(args.values.ticket as string[] | undefined) ?? []).map((ticket) => ({ kind: 'ticket', ticket })),
    ...(listOption(args.values.workflow as string[] | undefined) ?? []).map((workflow) => ({
      kind: 'workflow',
      workflow,
    })),
    ...(listOption(args.values.file as string[] | undefined) ?? []).map((path) => ({ kind: 'file', path })),
  ];
}

export const ATTACH_OPTIONS = {
  ticket: { type: 'string', multiple: true, value: 'ID', description: 'attach a ticket to the message' },
  workflow: { type: 'string', multiple: true, value: 'NAME', description: 'attach a workflow (its harness file)' },
  file: { type: 'string', multiple: true, value: 'PATH', description: 'attach a file of the conversation’s workspace' },
} as const;

/** One message, then wait for its reply: prints it (streamed), or JSON. */
export async function oneShot(
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
