/**
 * Normalized run events: the one vocabulary every run speaks, whatever produced it. Agent
 * adapters map each CLI's stream onto these; the daemon adds its own (process output, hooks,
 * git, workspace); the control plane stores them in `run_events` and the web renders them.
 *
 * An event is a JSON object with a `type`. On the wire and in the database each event also has
 * the run-scoped `seq` (1, 2, 3, … with no gaps) and `ts` (ms since epoch), see
 * `sequencedRunEventSchema`. Unknown output is never dropped: it becomes a `raw` event.
 */
import * as z from '../zod.js';

/** Longest text kept in one event field; longer text is cut and `truncated` says how much. */
export const MAX_EVENT_TEXT = 64 * 1024;

const text = z.string();
const truncated = z.number().int().min(0).optional(); // bytes cut from the field, when cut
const toolId = z.string().max(200);

export const runEventSchemas = {
  /** The agent CLI started a session (its id is kept on the run for resume). */
  'session.started': z.object({
    type: z.literal('session.started'),
    sessionId: z.string().max(200),
    model: z.string().max(200).optional(),
    tools: z.array(z.string()).optional(),
    cliVersion: z.string().max(100).optional(),
  }),
  /** Assistant text. `delta: true` = a streamed fragment; the complete message follows without it. */
  message: z.object({
    type: z.literal('message'),
    role: z.enum(['assistant', 'user', 'system']),
    text,
    delta: z.boolean().optional(),
    /** A person's message to the run (steering): who wrote it. */
    author: z.string().max(200).optional(),
    truncated,
  }),
  reasoning: z.object({ type: z.literal('reasoning'), text, truncated }),
  'tool.call': z.object({ type: z.literal('tool.call'), id: toolId, name: z.string().max(200), input: z.unknown() }),
  /** `denied` = refused by the harness rules (permission prompt, approval, policy), not a tool failure. */
  'tool.result': z.object({
    type: z.literal('tool.result'),
    id: toolId,
    ok: z.boolean(),
    output: text,
    denied: z.boolean().optional(),
    truncated,
  }),
  /** A shell command the agent ran (or the daemon ran for it). `exitCode` null while running or when unknown. */
  command: z.object({
    type: z.literal('command'),
    id: toolId.optional(),
    command: z.string(),
    status: z.enum(['started', 'completed', 'failed', 'declined']),
    exitCode: z.number().int().nullable(),
    output: text.optional(),
    truncated,
  }),
  'file.change': z.object({
    type: z.literal('file.change'),
    path: z.string().max(4096),
    kind: z.enum(['add', 'update', 'delete', 'rename']),
    diff: z.string().optional(),
    truncated,
  }),
  /** Token usage of one turn (adapters diff cumulative counters so these can be summed). */
  usage: z.object({
    type: z.literal('usage'),
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    cachedTokens: z.number().int().min(0).default(0),
    turn: z.number().int().min(1).optional(),
  }),
  /** Cost in USD of one turn (`source`: stated by the CLI, or computed from the agent's pricing). */
  cost: z.object({
    type: z.literal('cost'),
    usd: z.number().min(0),
    source: z.enum(['cli', 'pricing']),
    turn: z.number().int().min(1).optional(),
  }),
  /** The provider refused for rate limits; `resetAt` (ISO time) when it said when to come back. */
  rate_limit: z.object({
    type: z.literal('rate_limit'),
    message: z.string(),
    resetAt: z.string().datetime().optional(),
  }),
  error: z.object({
    type: z.literal('error'),
    message: z.string(),
    fatal: z.boolean(),
    code: z.string().max(100).optional(),
  }),
  'turn.started': z.object({ type: z.literal('turn.started'), turn: z.number().int().min(1) }),
  'turn.finished': z.object({
    type: z.literal('turn.finished'),
    turn: z.number().int().min(1),
    ok: z.boolean(),
    reason: z.string().optional(),
  }),
  /** The agent's final word for the whole session. */
  result: z.object({
    type: z.literal('result'),
    ok: z.boolean(),
    text: z.string().optional(),
    reason: z.string().optional(),
  }),
  /** Process output of a plain command run (or an agent CLI's stderr): one line per event. */
  output: z.object({ type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), text, truncated }),
  /** A workflow hook ran. */
  hook: z.object({
    type: z.literal('hook'),
    hook: z.string().max(50),
    command: z.string(),
    status: z.enum(['started', 'passed', 'failed', 'timed_out']),
    policy: z.enum(['block', 'warn', 'ignore']),
    exitCode: z.number().int().nullable().optional(),
    output: text.optional(),
    truncated,
  }),
  /** Workspace and git steps the daemon took (prepare, commit, push, cleanup, path check). */
  workspace: z.object({
    type: z.literal('workspace'),
    step: z.string().max(50),
    ok: z.boolean(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  /**
   * A tool call matched the harness `tools.ask`: the turn waits for a person (`waiting`), then goes on with their
   * decision (`approved` / `declined`, `by` who or what decided, `reason` what the agent is told).
   */
  approval: z.object({
    type: z.literal('approval'),
    id: z.string().max(200),
    tool: z.string().max(200),
    /** The exact command, or the path for a file tool. */
    detail: z.string().max(8000),
    rule: z.string().max(500),
    state: z.enum(['waiting', 'approved', 'declined']),
    by: z.string().max(200).optional(),
    reason: z.string().max(2000).optional(),
  }),
  /** Free-form progress a human should see ("fetching mirror…"). */
  progress: z.object({ type: z.literal('progress'), message: z.string() }),
  /** Anything a CLI printed that no mapping understood, kept verbatim. */
  raw: z.object({ type: z.literal('raw'), source: z.string().max(50), line: z.string(), truncated }),
  /** The daemon cut events because the run exceeded its event budget; says how many were dropped. */
  truncation: z.object({
    type: z.literal('truncation'),
    droppedEvents: z.number().int().min(0),
    droppedBytes: z.number().int().min(0),
    message: z.string(),
  }),
} as const;

export type RunEventType = keyof typeof runEventSchemas;
export const RUN_EVENT_TYPES = Object.keys(runEventSchemas) as RunEventType[];

export const runEventSchema = z.discriminatedUnion(
  'type',
  Object.values(runEventSchemas) as unknown as [
    (typeof runEventSchemas)[RunEventType],
    ...(typeof runEventSchemas)[RunEventType][],
  ],
);
export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventOf<T extends RunEventType> = z.infer<(typeof runEventSchemas)[T]>;

/** An event as stored and sent: with its run-scoped sequence number and timestamp. */
export const sequencedRunEventSchema = z.object({
  /** 1, 2, 3… per run; a PostgreSQL integer. */
  seq: z.number().int().min(1).max(2_147_483_647),
  /** Epoch milliseconds; at most JavaScript's largest date. */
  ts: z.number().int().min(0).max(8_640_000_000_000_000),
  event: runEventSchema,
});
export type SequencedRunEvent = z.infer<typeof sequencedRunEventSchema>;

/**
 * Cuts `value` to at most `max` UTF-16 code units, keeping the tail when `keep` is 'tail'
 * (logs: the end matters most). Returns the text and how many characters were cut.
 */
export function clipText(
  value: string,
  max = MAX_EVENT_TEXT,
  keep: 'head' | 'tail' = 'head',
): { text: string; truncated?: number } {
  if (value.length <= max) return { text: value };
  const cut = value.length - max;
  return { text: keep === 'head' ? value.slice(0, max) : value.slice(cut), truncated: cut };
}
