/**
 * Project AI: conversations with an agent (chat/conversations.ts). Replies stream as the
 * conversation's run events (`onEvents`, resumable with the last seen `<run>:<seq>`).
 */
import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  chatCreateInput,
  chatListInput,
  chatRefInput,
  chatSendInput,
  conversationRefSchema,
  projectAiSettingsInput,
  projectRefSchema,
} from '@openase/shared';
import {
  closeConversation,
  createConversation,
  interruptConversation,
  listConversations,
  projectAiSettings,
  resolveConversation,
  sendMessage,
  setConversationCap,
  showConversation,
  updateProjectAiSettings,
} from '../../chat/conversations.js';
import { streamRunEvents } from '../../runs/stream.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';

export const chatRouter = router({
  create: writeProcedure
    .input(chatCreateInput)
    .mutation(({ ctx, input }) => createConversation(ctx.deps, ctx.actor, input)),
  list: readProcedure
    .input(chatListInput)
    .query(({ ctx, input }) => listConversations(ctx.deps.db, ctx.actor.orgId, input)),
  show: readProcedure
    .input(chatRefInput)
    .query(({ ctx, input }) => showConversation(ctx.deps.db, ctx.actor.orgId, input.conversation)),
  send: writeProcedure.input(chatSendInput).mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.actor, input)),
  interrupt: writeProcedure
    .input(chatRefInput)
    .mutation(({ ctx, input }) => interruptConversation(ctx.deps, ctx.actor, input.conversation)),
  close: writeProcedure
    .input(chatRefInput)
    .mutation(({ ctx, input }) => closeConversation(ctx.deps, ctx.actor, input.conversation)),
  cap: writeProcedure
    .input(chatRefInput.extend({ usd: z.number().positive().max(10_000) }))
    .mutation(({ ctx, input }) => setConversationCap(ctx.deps, ctx.actor, input.conversation, input.usd)),
  settings: readProcedure
    .input(z.object({ project: projectRefSchema }))
    .query(({ ctx, input }) => projectAiSettings(ctx.deps.db, ctx.actor.orgId, input.project)),
  updateSettings: writeProcedure
    .input(projectAiSettingsInput)
    .mutation(({ ctx, input }) => updateProjectAiSettings(ctx.deps, ctx.actor, input)),
  /**
   * Live events of the conversation's run (`run`, default the current one), resumable with `lastEventId` (`<seq>`);
   * ends with the run.
   */
  onEvents: readProcedure
    .input(
      z.object({
        conversation: conversationRefSchema,
        run: z.string().uuid().optional(),
        lastEventId: z.string().nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const c = await resolveConversation(ctx.deps.db, ctx.actor.orgId, input.conversation);
      const runId = input.run ?? c.currentRunId;
      if (!runId) return;
      const afterSeq = Number.parseInt(input.lastEventId ?? '0', 10) || 0;
      for await (const e of streamRunEvents(ctx.deps, ctx.actor.orgId, { runId, afterSeq }, signal))
        yield tracked(String(e.seq), { runId, ...e });
    }),
});
