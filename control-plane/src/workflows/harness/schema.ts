import * as z from '@openase/shared/zod';
import { AGENT_PERMISSION_MODES, HOOK_POINTS, workflowNameSchema } from '@openase/shared';

/** Front matter schema. Every object is strict: unknown keys are reported as errors. */

const positiveInt = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be a whole number ≥ 1');
const statusList = z.array(z.string().min(1)).min(1, 'must list at least one status');
const stringList = z.array(z.string().min(1));

/** The harness's hook names are the run protocol's hook points: the daemon runs what the front matter names. */
export const HOOK_NAMES = HOOK_POINTS;

export const HOOK_DEFAULTS = { timeout: 300, policy: 'block' } as const;

export const hookSchema = z.strictObject({
  run: z.string().min(1),
  timeout: positiveInt.default(HOOK_DEFAULTS.timeout),
  policy: z.enum(['block', 'warn', 'ignore']).default(HOOK_DEFAULTS.policy),
  /** Relative to the ticket's worktree; never outside it. */
  workdir: z
    .string()
    .min(1)
    .refine(
      (p) => !p.startsWith('/') && !p.split('/').includes('..'),
      'must be a path relative to the worktree, without ".."',
    )
    .optional(),
});

const hooksSchema = z.strictObject(
  Object.fromEntries(HOOK_NAMES.map((n) => [n, z.array(hookSchema).optional()])) as Record<
    (typeof HOOK_NAMES)[number],
    z.ZodOptional<z.ZodArray<typeof hookSchema>>
  >,
);

const allowDeny = z.strictObject({ allow: stringList.optional(), deny: stringList.optional() });
/** `ask`: tool calls a person approves or declines while the turn waits (docs/harness.md). */
const toolRules = allowDeny.extend({ ask: stringList.optional() });

/**
 * MCP servers the agent's CLI gets (stdio `command` or remote `url`). Values may name the agent's
 * env and secrets as `${NAME}`: filled in when the run is offered, never stored in the run's spec.
 */
const mcpServerSchema = z.union([
  z.strictObject({
    command: z.string().min(1),
    args: stringList.optional(),
    env: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ url: z.string().url('must be a URL'), headers: z.record(z.string(), z.string()).optional() }),
]);

const skillSchema = z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), version: positiveInt })]);

/** Defaults applied when a field is absent; serializeHarness omits fields equal to these. */
export const HARNESS_DEFAULTS = {
  max_turns: 10,
  max_attempts: 3,
  timeout_minutes: 60,
  stall_timeout_minutes: 5,
  approval_timeout_minutes: 30,
  no_progress_turns: 3,
  active: true,
} as const;

export const harnessSchema = z.strictObject({
  /** The same rule as the API's workflow names: a harness must stay addressable (no `../x`). */
  name: workflowNameSchema,
  agent: z.string().min(1).optional(),
  pickup: statusList,
  finish: statusList,
  max_concurrent: positiveInt.optional(),
  max_turns: positiveInt.default(HARNESS_DEFAULTS.max_turns),
  max_attempts: positiveInt.default(HARNESS_DEFAULTS.max_attempts),
  timeout_minutes: positiveInt.default(HARNESS_DEFAULTS.timeout_minutes),
  stall_timeout_minutes: positiveInt.default(HARNESS_DEFAULTS.stall_timeout_minutes),
  /** A `tools.ask` call nobody decides within this many minutes is declined (fractions allowed). */
  approval_timeout_minutes: z
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .default(HARNESS_DEFAULTS.approval_timeout_minutes),
  /**
   * A run stops ("no progress") after this many turns in a row that changed no file and neither
   * moved, commented on nor reported progress on the ticket; 0 = never.
   */
  no_progress_turns: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be a whole number ≥ 0 (0 = never)')
    .default(HARNESS_DEFAULTS.no_progress_turns),
  budget_usd: z.number({ error: 'must be a number' }).min(0, 'must be ≥ 0').optional(),
  machine_labels: stringList.optional(),
  /**
   * How the agent CLI treats tool calls (shared/src/protocol/agent-spec.ts): `default` asks and
   * the daemon answers by `tools`; `acceptEdits`, `bypassPermissions`, `plan`. Gemini withholds
   * its shell and write tools in `default` (it has no approval channel headless).
   */
  permission_mode: z.enum(AGENT_PERMISSION_MODES).optional(),
  tools: toolRules.optional(),
  paths: allowDeny.optional(),
  hooks: hooksSchema.optional(),
  scopes: stringList.optional(),
  skills: z.array(skillSchema).optional(),
  mcp_servers: z
    .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'), mcpServerSchema)
    .optional(),
  /**
   * The merge step (docs/review.md): an approved ticket enters `status`, the platform merges its
   * branch with the project's method, and the ticket moves to `done`.
   */
  merge: z.strictObject({ status: z.string().min(1), done: z.string().min(1) }).optional(),
  /** Where requested changes (and merge conflicts) send the ticket; default: the first pickup status. */
  rework: z.string().min(1).optional(),
  active: z.boolean().default(HARNESS_DEFAULTS.active),
});

/** A parsed harness with defaults filled in. */
export type Harness = z.output<typeof harnessSchema>;
/** What a caller may pass to serializeHarness: defaults may be left out. */
export type HarnessInput = z.input<typeof harnessSchema>;
export type Hook = z.output<typeof hookSchema>;
export type HookName = (typeof HOOK_NAMES)[number];
