/** API inputs of the fleet: hand-started runs, run events paging, SSH machines. */
import * as z from '../zod.js';
import { commandRunSpecSchema } from '../protocol/messages.js';
import { machineNameSchema } from './inputs.js';
import { pageInputShape } from './paging.js';

export const runStartInput = z.object({
  machine: machineNameSchema,
  command: commandRunSpecSchema.shape.command,
  cwd: commandRunSpecSchema.shape.cwd,
  env: commandRunSpecSchema.shape.env,
  timeoutMs: commandRunSpecSchema.shape.timeoutMs,
});
export type RunStartInput = z.input<typeof runStartInput>;

/** A run's id (a UUID), or its first characters (4 or more) as `openase run list` and `ticket show` print them. */
export const runIdRef = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=(?:[0-9a-f]-?){4})[0-9a-f-]{4,36}$/,
    'a run is named by its id (hex digits 0-9, a-f and dashes) or its first 4 characters or more (`openase run list` shows them)',
  );
export const runRefInput = z.object({ run: runIdRef });

/** A person's decision on a tool call waiting for approval (`openase run approve|decline RUN`). */
export const runDecideInput = z.object({
  run: runIdRef,
  /** Which waiting call; may be left out when the run has exactly one. */
  approval: z.string().uuid('an approval is named by its id (a UUID)').optional(),
  /** Told to the agent (a decline's reason is what it sees). */
  reason: z.string().trim().max(2000, 'a reason has at most 2000 characters').optional(),
});

/** A person's message to a live agent run: the next turn's input, or at once with `interrupt`. */
export const runSteerInput = z.object({
  run: runIdRef,
  text: z.string().trim().min(1, 'a message needs a text').max(8000, 'a message has at most 8000 characters'),
  /** Stop the current turn now and send the message (otherwise it waits for the turn to end). */
  interrupt: z.boolean().default(false),
});

export const runEventsInput = z.object({
  run: runIdRef,
  afterSeq: z.number().int().min(0).default(0),
  /**
   * Read backwards: the newest `limit` events below this seq (still in seq order). A long transcript shows its end
   * first (`beforeSeq` above the run's last seq), then older pages on scroll (`beforeSeq` = the first seq shown).
   */
  beforeSeq: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(5000).default(1000),
});

export const runListInput = z.object({
  machine: machineNameSchema.optional(),
  /** Only the runs of this project (by id): the board's running badges. */
  projectId: z.string().uuid().optional(),
  /** Only runs not yet ended (queued, offered, preparing, running). */
  active: z.boolean().optional(),
  ...pageInputShape(50, 500),
});

/** `SHA256:` followed by unpadded base64, as OpenSSH prints host key fingerprints. */
export const sshFingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint looks like SHA256:<43 base64 characters>');

export const sshMachineAddInput = z.object({
  name: machineNameSchema,
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).max(100),
  keyPath: z.string().min(1).max(4096),
  fingerprint: sshFingerprintSchema.optional(),
  labels: z.array(z.string().min(1).max(50)).max(20).default([]),
  slots: z.number().int().min(1).max(1000).default(1),
});
