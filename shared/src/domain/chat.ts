import * as z from '../zod.js';
import { projectRefSchema, ticketRefSchema } from './inputs.js';
import { workflowNameSchema } from './workflows.js';
import type { AgentAdapter } from './enums.js';

/**
 * Project AI (the synchronous mode): a conversation is an agent run in chat mode whose turns
 * wait for the person's next message. Inputs of the `chat` router; the CLI and the web build
 * their requests from these.
 */
export const CHAT_MESSAGE_MAX = 100_000;
/** The per-conversation spending cap when the project sets none. */
export const DEFAULT_CHAT_COST_CAP_USD = 5;
export const CONVERSATION_STATES = ['open', 'closed'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/**
 * The `details` of the refusal to start a conversation's agent when no connected machine can run it (no machine
 * with its CLI or command, or with its labels): what the console says it from, in its own words.
 */
export interface ChatNoMachine {
  agent: string;
  adapter: AgentAdapter;
  /** The command the agent runs (its adapter's CLI unless set). */
  command: string;
  labels: string[];
}

/** Context attached to a message: rendered into the text the agent CLI receives. */
export const chatAttachmentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ticket'), ticket: ticketRefSchema }),
  z.object({ kind: z.literal('workflow'), workflow: workflowNameSchema }),
  /** A file of the conversation's workspace, relative to it (the agent reads it there). */
  z.object({
    kind: z.literal('file'),
    path: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine(
        (p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'),
        'a workspace file is a relative path without ".."',
      ),
  }),
]);
export type ChatAttachment = z.infer<typeof chatAttachmentSchema>;

const messageText = z
  .string()
  .trim()
  .min(1, 'a message must not be empty')
  .max(CHAT_MESSAGE_MAX, `a message has at most ${CHAT_MESSAGE_MAX} characters`);
const attachments = z.array(chatAttachmentSchema).max(20).default([]);
/** A conversation by its id, or a unique prefix of it (at least 6 characters, as the CLI prints). */
export const conversationRefSchema = z
  .string()
  .trim()
  .min(6)
  .max(36)
  .regex(/^[0-9a-f-]+$/, 'a conversation id (hex)');
const costCap = z.number().positive().max(10_000);

export const chatCreateInput = z.object({
  project: projectRefSchema,
  /** The agent definition to talk to (default: the project's first agent). */
  agent: z.string().trim().min(1).max(100).optional(),
  message: messageText,
  attachments,
  title: z.string().trim().min(1).max(200).optional(),
  /** Overrides the project's per-conversation cap. */
  costCapUsd: costCap.optional(),
});
export const chatSendInput = z.object({ conversation: conversationRefSchema, message: messageText, attachments });
export const chatRefInput = z.object({ conversation: conversationRefSchema });
export const chatListInput = z.object({ project: projectRefSchema, includeClosed: z.boolean().default(true) });
export const chatEventsInput = z.object({
  conversation: conversationRefSchema,
  afterSeq: z.number().int().min(0).optional(),
});
export const projectAiSettingsInput = z.object({
  project: projectRefSchema,
  /** Run-token scopes a conversation's agent gets (shared/src/domain/run-scopes.ts). */
  scopes: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  costCapUsd: costCap.optional(),
});
export type ChatCreateInput = z.input<typeof chatCreateInput>;
export type ChatSendInput = z.input<typeof chatSendInput>;
/** "Create ticket from this": the conversation's work as a ticket (title default: the conversation's). */
export const chatCreateTicketInput = chatRefInput.extend({
  title: z.string().trim().min(1).max(200).optional(),
});
/** "Open a PR from this branch": a pull request of the conversation's branch, on the ticket made from it. */
export const chatOpenPullRequestInput = chatRefInput;
