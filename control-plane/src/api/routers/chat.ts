/**
 * Project AI: conversations with an agent (chat/conversations.ts). Replies stream as the
 * conversation's run events (`onEvents`, resumable with the last seen `<run>:<seq>`).
 */
import { API } from '@openase/shared';
import { tracked } from '@trpc/server';
import {
  createConversation,
  projectAiSettings,
  sendMessage,
  setConversationCap,
  updateProjectAiSettings,
} from '../../chat/conversations.js';
import { resolveConversation } from '../../chat/conversation-access.js';
import { closeConversation, interruptConversation } from '../../chat/closing.js';
import { listConversations, showConversation } from '../../chat/conversation-views.js';
import {
  conversationWorkspace,
  createTicketFromConversation,
  openPullRequestFromConversation,
} from '../../chat/workspace.js';
import { streamRunEvents } from '../../runs/stream.js';
import { proc, router } from '../trpc.js';

export const chatRouter = router({
  create: proc(API.chat.create).mutation(({ ctx, input }) => createConversation(ctx.deps, ctx.actor, input)),
  list: proc(API.chat.list).query(({ ctx, input }) => listConversations(ctx.deps.db, ctx.actor.orgId, input)),
  show: proc(API.chat.show).query(({ ctx, input }) =>
    showConversation(ctx.deps.db, ctx.actor.orgId, input.conversation),
  ),
  send: proc(API.chat.send).mutation(({ ctx, input }) => sendMessage(ctx.deps, ctx.actor, input)),
  interrupt: proc(API.chat.interrupt).mutation(({ ctx, input }) =>
    interruptConversation(ctx.deps, ctx.actor, input.conversation),
  ),
  close: proc(API.chat.close).mutation(({ ctx, input }) => closeConversation(ctx.deps, ctx.actor, input.conversation)),
  cap: proc(API.chat.cap).mutation(({ ctx, input }) =>
    setConversationCap(ctx.deps, ctx.actor, input.conversation, input.usd),
  ),
  settings: proc(API.chat.settings).query(({ ctx, input }) =>
    projectAiSettings(ctx.deps.db, ctx.actor.orgId, input.project),
  ),
  updateSettings: proc(API.chat.updateSettings).mutation(({ ctx, input }) =>
    updateProjectAiSettings(ctx.deps, ctx.actor, input),
  ),
  workspace: proc(API.chat.workspace).query(({ ctx, input }) =>
    conversationWorkspace(ctx.deps, ctx.fleet, ctx.actor, input.conversation),
  ),
  createTicket: proc(API.chat.createTicket).mutation(({ ctx, input }) =>
    createTicketFromConversation(ctx.deps, ctx.actor, input),
  ),
  openPullRequest: proc(API.chat.openPullRequest).mutation(({ ctx, input }) =>
    openPullRequestFromConversation(ctx.deps, ctx.actor, input.conversation, ctx.publicUrl ?? ''),
  ),
  /**
   * Live events of the conversation's run (`run`, default the current one), resumable with `lastEventId` (`<seq>`);
   * ends with the run.
   */
  onEvents: proc(API.chat.onEvents).subscription(async function* ({ ctx, input, signal }) {
    const c = await resolveConversation(ctx.deps.db, ctx.actor.orgId, input.conversation);
    const runId = input.run ?? c.currentRunId;
    if (!runId) return;
    const afterSeq = Number.parseInt(input.lastEventId ?? '0', 10) || 0;
    for await (const e of streamRunEvents(ctx.deps, ctx.actor.orgId, { runId, afterSeq }, signal))
      yield tracked(String(e.seq), { runId, ...e });
  }),
});
