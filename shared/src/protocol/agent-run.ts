/**
 * Agent runs over the daemon protocol: the spec an offer carries when a ticket is dispatched, and
 * the turn handshake. The daemon drives the agent CLI turn by turn; after each turn it asks the
 * control plane what next, because only the control plane knows where the ticket stands:
 *
 *   daemon                                   control plane
 *   ── turn N ends: after_turn hooks, path check, commit, push
 *   run.turn {turn: N, …}  ───────────────▶  re-reads the ticket and the run's finish request
 *                          ◀───────────────  run.next {continue, input}   (still in pickup; turns left)
 *                          ◀───────────────  run.next {finish}            (the agent asked to finish)
 *   before_finish hooks
 *   run.gate {passed, output} ────────────▶  passed: moves the ticket
 *                          ◀───────────────  run.next {stop, outcome: succeeded}
 *                          ◀───────────────  run.next {continue, input: the failure}  (failed)
 *   on_done / on_error hooks; run.finished
 *
 * Both frames are idempotent: after a reconnect the daemon sends its pending `run.turn` or
 * `run.gate` again and the control plane answers from the database's state.
 */
import * as z from '../zod.js';
import { id, runFrame, sha } from './fields.js';
import { agentRunSpecSchema } from './agent-spec.js';

export const HOOK_POINTS = [
  'on_claim',
  'before_turn',
  'after_turn',
  'before_finish',
  'on_done',
  'on_error',
  'on_cancel',
] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];

export const hookSpecSchema = z.object({
  run: z.string().min(1).max(10_000),
  /** Seconds. */
  timeout: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600),
  policy: z.enum(['block', 'warn', 'ignore']),
  /** Relative to the workspace. */
  workdir: z.string().max(1000).optional(),
});
export type HookSpecWire = z.infer<typeof hookSpecSchema>;

export const agentJobSpecSchema = z.object({
  kind: z.literal('agent'),
  ticket: z.object({
    id,
    identifier: z.string().min(1).max(50),
    title: z.string().max(1000),
    /** `openase/<IDENTIFIER>-<slug>`, already safe (shared/src/domain/naming.ts). */
    branch: z.string().min(1).max(200),
  }),
  project: z.object({ slug: z.string().min(1).max(100) }),
  /** Each gets a worktree `<workspace>/<name>`; the agent starts in it when there is only one. */
  repos: z
    .array(
      z.object({
        name: z.string().min(1).max(100),
        url: z.string().min(1).max(2000),
        defaultBranch: z.string().min(1).max(200),
      }),
    )
    .max(20),
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1),
  /** The CLI to run and how (adapters); `agent.maxTurns` bounds the turn loop. */
  agent: agentRunSpecSchema,
  hooks: z.partialRecord(z.enum(HOOK_POINTS), z.array(hookSpecSchema).max(20)).default({}),
  paths: z
    .object({
      allow: z.array(z.string().max(500)).max(100).optional(),
      deny: z.array(z.string().max(500)).max(100).optional(),
    })
    .default({}),
  /**
   * How the agent's `openase` wrapper reaches the platform. The token is minted at offer time and never stored in the
   * run row.
   */
  platform: z.object({ url: z.string().url(), token: z.string().min(1).max(300) }),
  /**
   * A conflict-resolution run (the approved branch could not be merged): the daemon merges each repository's default
   * branch into the ticket's worktree before the first turn, conflict markers left for the agent, and commits the
   * merge with the agent's resolution after the turn (the agent's sandbox cannot write git history).
   */
  mergeDefaultBranch: z.boolean().optional(),
  /** The run's deadline (timeout_minutes), enforced by the control plane; the daemon uses it for its own timers. */
  timeoutMs: z.number().int().min(1).optional(),
});
export type AgentJobSpec = z.infer<typeof agentJobSpecSchema>;

/** A turn ended (after its after_turn hooks, path check, commit and push). */
export const runTurnSchema = runFrame('run.turn').extend({
  turn: z.number().int().min(1),
  /** The agent CLI completed the turn without a fatal error. */
  ok: z.boolean(),
  /** All events of the turn up to this seq were spooled (the control plane waits until it stored them). */
  lastSeq: z.number().int().min(0),
  sessionId: z.string().max(200).optional(),
  /** after_turn hooks with policy block failed. */
  afterTurnFailed: z.boolean().default(false),
  /** Paths changed outside the harness' `paths` rules, with the rule each breaks. */
  pathViolations: z
    .array(z.object({ path: z.string().max(4096), rule: z.string().max(500) }))
    .max(1000)
    .default([]),
  /** Per repository: the ticket branch's head after the turn's commit, and whether that head is on the remote. */
  commits: z
    .array(
      z.object({
        repo: z.string().max(100),
        branch: z.string().max(200),
        head: sha,
        /** The commit the run started from (its "what this run changed" is base..head). */
        base: sha.optional(),
        pushed: z.boolean(),
      }),
    )
    .max(20)
    .default([]),
  /** The CLI stopped on a provider rate limit that said when to come back. */
  rateLimitResetAt: z.string().datetime().optional(),
  error: z.string().max(4000).optional(),
  /** Tool calls the harness refused in the turn, one entry per refusal (`["Bash", "Bash"]`). */
  deniedTools: z.array(z.string().max(200)).max(1000).default([]),
});

/** "the harness refused: Bash ×2, Write" (the turn's result reason, and the run's when it stops). */
export function deniedSummary(tools: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const tool of tools) counts.set(tool, (counts.get(tool) ?? 0) + 1);
  return `the harness refused: ${[...counts].map(([tool, n]) => (n > 1 ? `${tool} ×${n}` : tool)).join(', ')}`;
}

/**
 * A tool call matched the harness `tools.ask`: the CLI's permission request is held open until a person (or the
 * workflow's `approval_timeout_minutes`) decides. Idempotent by `approvalId`: resent after a reconnect while open.
 */
export const runApprovalSchema = runFrame('run.approval').extend({
  /** The daemon's id of this request (unique within the run). */
  approvalId: z.string().min(1).max(200),
  tool: z.string().max(200),
  /** The exact command (shell) or path (file tools) the agent wants to run or change. */
  detail: z.string().max(8000),
  /** The `tools.ask` pattern it matched. */
  rule: z.string().max(500),
});

/** The answer to `run.approval`: the CLI's request is answered with it (a decline carries the reason to the agent). */
export const runDecisionSchema = runFrame('run.decision').extend({
  approvalId: z.string().min(1).max(200),
  approve: z.boolean(),
  /** Who decided (a person's name, or "approval timeout"). */
  by: z.string().max(200),
  reason: z.string().max(2000).optional(),
});

/** The before_finish gate ran after a `finish` decision. */
export const runGateSchema = runFrame('run.gate').extend({
  turn: z.number().int().min(1),
  passed: z.boolean(),
  /** What failed, written for the agent (command, exit code, tail of output). */
  output: z
    .string()
    .max(64 * 1024)
    .default(''),
});

export const runNextSchema = runFrame('run.next').extend({
  /** The turn this decision answers. */
  turn: z.number().int().min(1),
  action: z.enum(['continue', 'finish', 'stop']),
  /** `continue`: the next user message. */
  input: z
    .string()
    .max(512 * 1024)
    .optional(),
  /** `stop`: how the run ends; the daemon runs on_done (succeeded) or on_error hooks, then finishes. */
  outcome: z.enum(['succeeded', 'failed']).optional(),
  reason: z.string().max(2000).optional(),
  /** `continue` with a person's message (steering): who wrote it; the daemon records it in the transcript. */
  author: z.string().max(200).optional(),
});

/** Remove a ticket's workspace on this machine (the ticket reached a completed or canceled stage). */
export const workspaceRemoveSchema = z.object({
  type: z.literal('workspace.remove'),
  ticket: z.object({ identifier: z.string().min(1).max(50) }),
  repos: z.array(z.object({ name: z.string().min(1).max(100), url: z.string().min(1).max(2000) })).max(20),
});
export const workspaceRemovedSchema = z.object({
  type: z.literal('workspace.removed'),
  ticket: z.object({ identifier: z.string().min(1).max(50) }),
  ok: z.boolean(),
  message: z.string().max(2000).optional(),
});

export type RunTurnFrame = z.infer<typeof runTurnSchema>;
export type RunGateFrame = z.infer<typeof runGateSchema>;
export type RunNextFrame = z.infer<typeof runNextSchema>;
export type RunApprovalFrame = z.infer<typeof runApprovalSchema>;
export type RunDecisionFrame = z.infer<typeof runDecisionSchema>;
