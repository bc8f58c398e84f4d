/**
 * Project AI as the orchestrator sees it: a conversation is an agent run the orchestrator offers and
 * turns like a ticket's, with its own job, turn rule, cap and idle close. chat/ sits above
 * orchestrator/ (it places its runs with the orchestrator's placement), so the orchestrator does not
 * import these: server/serve.ts hands them in (OrchestratorOptions.chat).
 */
import { materializeChatJob } from './chat-job.js';
import { decideChatTurn, findChatCapStop, isChatRun } from './chat-turns.js';
import { closeIdleConversations, describeIdleTime } from './closing.js';

export interface ChatRuns {
  materialize: typeof materializeChatJob;
  isChatRun: typeof isChatRun;
  decideTurn: typeof decideChatTurn;
  capStop: typeof findChatCapStop;
  closeIdle: typeof closeIdleConversations;
  describeIdleTime: typeof describeIdleTime;
}

export const chatRuns: ChatRuns = {
  materialize: materializeChatJob,
  isChatRun,
  decideTurn: decideChatTurn,
  capStop: findChatCapStop,
  closeIdle: closeIdleConversations,
  describeIdleTime,
};
