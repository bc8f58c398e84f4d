/**
 * The daemon ↔ control plane protocol (version 1). One state machine over three transports:
 * WebSocket (reverse), JSON lines over an SSH exec channel (direct), JSON lines over a child's
 * stdio (local). Every frame is one JSON object with a `type`; both sides validate every frame
 * with these schemas and answer an invalid one with an `error` frame naming the problem.
 * See docs/protocol.md (to be written with the fleet capability) for the sequence.
 */
import * as z from '../zod.js';
import { id, leaseEpoch, runFrame } from './fields.js';
import { sequencedRunEventSchema } from '../events/run-events.js';
import {
  agentJobSpecSchema,
  runApprovalSchema,
  runDecisionSchema,
  runGateSchema,
  runNextSchema,
  runTurnSchema,
  workspaceRemovedSchema,
  workspaceRemoveSchema,
} from './agent-run.js';
import { gitChunkSchema, gitReplySchema, gitRequestSchema } from './git-ops.js';

export const PROTOCOL_VERSION = 1;
/** Largest frame either side accepts (bytes of UTF-8 JSON). `ws` would default to 100 MiB. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Largest single event payload; bigger output is split or truncated with an explicit marker. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Response header carrying why an /agent/ws upgrade was refused (the body of a refused upgrade is dropped). */
export const AGENT_ERROR_HEADER = 'x-openase-error';

/** WebSocket close codes with meaning to the daemon. */
export const CLOSE_CODES = {
  /** The credential was revoked or is unknown: do not reconnect. */
  revoked: 4401,
  /** Protocol version outside the server's range: do not reconnect until upgraded. */
  unsupportedVersion: 4426,
  /** Another session of the same machine replaced this one. */
  replaced: 4409,
  /** The frame was malformed or too large. */
  badFrame: 4400,
  /** Too many frames (or refused frames) too fast: reconnect after the backoff. */
  rateLimited: 4429,
} as const;

export const PROTOCOL_ERROR_CODES = [
  'malformed_frame',
  'unknown_type',
  'frame_too_large',
  'stale_lease',
  'unknown_run',
  'events_missing',
  'not_ready',
  'no_free_slot',
  'revoked',
  'unsupported_version',
  'rate_limited',
  'internal',
] as const;

const label = z.string().min(1).max(50);

export const cliInfoSchema = z.object({
  name: z.string().min(1).max(50),
  version: z.string().max(100).nullable(),
  path: z.string().max(1000),
});

export const commandCheckSchema = z.object({ command: z.string().min(1).max(4096), found: z.boolean() });
export type CommandCheck = z.infer<typeof commandCheckSchema>;

export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().min(1),
  version: z.string().max(50),
  hostname: z.string().max(255),
  os: z.string().max(50),
  arch: z.string().max(50),
  labels: z.array(label).max(50),
  slots: z.number().int().min(1).max(1000),
  clis: z.array(cliInfoSchema).max(50),
  /** Runs the daemon still holds: running, or finished but not yet acknowledged as closed. */
  running: z
    .array(z.object({ runId: id, leaseEpoch, lastSeq: z.number().int().min(0), finished: z.boolean().optional() }))
    .max(1000),
});

export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  sessionId: id,
  machineId: id,
  heartbeatMs: z.number().int().min(10),
  protocol: z.object({ min: z.number().int(), max: z.number().int() }),
  /** The control plane's release version (a daemon behind it says so in its log). */
  version: z.string().max(64).optional(),
  /** Per running run reported in hello: continue (the lease is still ours) or kill it. */
  reconcile: z.array(z.object({ runId: id, action: z.enum(['continue', 'kill']), ackedSeq: z.number().int().min(0) })),
});

export const heartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  slotsUsed: z.number().int().min(0),
  load: z.number().min(0).optional(),
  diskFreeBytes: z.number().min(0).optional(),
  clis: z.array(cliInfoSchema).max(50).optional(),
  /**
   * The agents' own commands this daemon was offered (a custom agent's script, a CLI at a path),
   * checked again at each heartbeat: placement skips a machine that reported one missing.
   */
  commands: z.array(commandCheckSchema).max(200).optional(),
  runs: z.array(z.object({ runId: id, leaseEpoch })).max(1000),
});

/** A plain command (argv) started by hand. Agent runs: `agentJobSpecSchema` (agent-run.ts). */
export const commandRunSpecSchema = z.object({
  kind: z.literal('command'),
  command: z.array(z.string().max(100_000)).min(1).max(1000),
  cwd: z.string().max(4096).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(100_000)).optional(),
  timeoutMs: z.number().int().min(1).optional(),
});
/** What a run executes, discriminated on `kind`. */
export const runSpecSchema = z.discriminatedUnion('kind', [commandRunSpecSchema, agentJobSpecSchema]);
export type RunSpec = z.infer<typeof runSpecSchema>;

export const runOfferSchema = runFrame('run.offer').extend({ spec: runSpecSchema });
export const runAcceptSchema = runFrame('run.accept');
export const runRejectSchema = runFrame('run.reject').extend({
  reason: z.string().max(1000),
  /** `command_not_found`: the agent's command does not exist here; the run fails, not waiting for this machine. */
  code: z.enum(['command_not_found']).optional(),
});
export const runCancelSchema = runFrame('run.cancel').extend({
  graceMs: z.number().int().min(0).default(10_000),
});
export const runInputSchema = runFrame('run.input').extend({
  text: z.string().max(MAX_EVENT_BYTES),
});
/**
 * Stop the agent's current turn without ending the run (Project AI: a person interrupts a reply); the turn ends with
 * `ok: false`.
 */
export const runInterruptSchema = runFrame('run.interrupt');

export const runEventsSchema = runFrame('run.events').extend({
  events: z.array(sequencedRunEventSchema).min(1).max(10_000),
});
/** `closed: true` = the control plane has recorded the run's end; the daemon may delete its spool. */
export const runAckSchema = z.object({
  type: z.literal('run.ack'),
  runId: id,
  ackedSeq: z.number().int().min(0),
  closed: z.boolean().optional(),
});
/** The daemon started the run's process (accepted → running). */
export const runStartedSchema = runFrame('run.started').extend({
  pid: z.number().int().min(1).optional(),
});
export const runFinishedSchema = runFrame('run.finished').extend({
  lastSeq: z.number().int().min(0),
  exitCode: z.number().int().nullable(),
  signal: z.string().max(20).nullable(),
  reason: z.string().max(1000).optional(),
});
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.enum(PROTOCOL_ERROR_CODES),
  message: z.string().max(2000),
  runId: id.optional(),
  /** The lease epoch the refused message carried (a daemon drops a run only if it still holds that epoch). */
  leaseEpoch: leaseEpoch.optional(),
});

/** Frames the daemon sends. */
export const daemonFrameSchema = z.discriminatedUnion('type', [
  helloSchema,
  heartbeatSchema,
  runAcceptSchema,
  runRejectSchema,
  runStartedSchema,
  runEventsSchema,
  runFinishedSchema,
  runTurnSchema,
  runGateSchema,
  runApprovalSchema,
  workspaceRemovedSchema,
  gitChunkSchema,
  gitReplySchema,
  errorFrameSchema,
]);
/** Frames the control plane sends. */
export const controlFrameSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  runOfferSchema,
  runCancelSchema,
  runInputSchema,
  runInterruptSchema,
  runAckSchema,
  runNextSchema,
  runDecisionSchema,
  workspaceRemoveSchema,
  gitRequestSchema,
  errorFrameSchema,
]);

export type DaemonFrame = z.infer<typeof daemonFrameSchema>;
export type ControlFrame = z.infer<typeof controlFrameSchema>;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];
