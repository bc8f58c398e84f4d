/**
 * The agent run spec: everything the orchestrator tells a daemon about the agent CLI to start for
 * one run. The daemon's adapters (agent-daemon/src/adapters/*) turn it into the CLI's own argv,
 * env, config files and permission answers. Secrets arrive already resolved in `env` and are only
 * ever passed to the CLI as environment variables, never written to disk or argv.
 */
import * as z from '../zod.js';
import { agentAdapterSchema } from '../domain/enums.js';
import { modelNameSchema } from '../domain/agents.js';

/** Harness tool patterns: `Bash`, `Bash(git *)`, `Edit`, `Write(src/**)`, `shell`, `apply_patch`, `mcp__srv__tool`. */
export const toolPatternSchema = z.string().trim().min(1).max(500);

/**
 * `default`: the CLI asks and the daemon answers by the harness rules; `acceptEdits`: file edits
 * are allowed without asking; `bypassPermissions`: nothing is asked (deny rules still apply where
 * the CLI can enforce them by flags); `plan`: read-only.
 */
export const AGENT_PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan'] as const;
export const agentPermissionModeSchema = z.enum(AGENT_PERMISSION_MODES);

export const mcpServerSpecSchema = z.union([
  z.object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
  }),
  z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()).default({}) }),
]);

/**
 * A skill's file as stored (shared/src/domain/workflows.ts `skillFileSchema`): bytes, so binaries and scripts survive.
 */
export const agentSkillFileSchema = z.object({
  /** Relative to the skill's folder; `SKILL.md` is the entry point. No `..`, no absolute paths. */
  path: z.string().min(1).max(500),
  /** Base64 of the file's bytes (at most 1 MiB). */
  contentBase64: z
    .string()
    .max(Math.ceil((1024 * 1024) / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  /** Written with mode 0755 (a script the skill tells the agent to run). */
  executable: z.boolean().default(false),
});

/**
 * USD per million tokens (the agent's `pricing`: input, output, cached input), used for the cost
 * event when the CLI states no cost of its own.
 */
export const tokenPricingSchema = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cached: z.number().min(0).default(0),
});

/** Where the CLI's model API lives (a real provider or the test suite's scripted fake). */
export const agentProviderSchema = z.object({
  /** e.g. `https://api.anthropic.com`, `http://127.0.0.1:PORT/v1` (Codex: the Responses base). */
  baseUrl: z.string().url().optional(),
  /** Name of the env var (in `env`) holding the API key; defaults per CLI. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .optional(),
  /** Retries the CLI itself makes on API errors (tests use 0 so errors surface at once). */
  maxRetries: z.number().int().min(0).max(20).optional(),
});

export const agentRunSpecSchema = z.object({
  adapter: agentAdapterSchema,
  /** Executable to start; defaults to the CLI's usual name on PATH (`claude`, `codex`, `gemini`). */
  command: z.string().min(1).max(4096).optional(),
  /** Extra arguments appended to the adapter's own (custom adapter: the whole argv after command). */
  args: z.array(z.string().max(4096)).max(100).default([]),
  model: modelNameSchema.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  provider: agentProviderSchema.default({}),
  /** The rendered harness: appended to the CLI's own system prompt. */
  systemPrompt: z
    .string()
    .max(512 * 1024)
    .default(''),
  /** The first turn's user message. */
  prompt: z.string().max(512 * 1024),
  /** Turns of the platform loop (one user message each). */
  maxTurns: z.number().int().min(1).max(1000).default(10),
  /** The CLI's own limit of model round-trips within one turn, where it has one. */
  cliMaxTurns: z.number().int().min(1).max(10_000).optional(),
  permissionMode: agentPermissionModeSchema.default('default'),
  /**
   * `ask`: calls a person approves or declines while the turn waits (docs/harness.md); deny wins over ask, ask over
   * allow.
   */
  tools: z
    .object({
      allow: z.array(toolPatternSchema).default([]),
      deny: z.array(toolPatternSchema).default([]),
      ask: z.array(toolPatternSchema).optional(),
    })
    .default({ allow: [], deny: [] }),
  /** The CLI session of an earlier run of the same ticket to continue. */
  resumeSessionId: z.string().min(1).max(200).optional(),
  mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), mcpServerSpecSchema).default({}),
  /** Skill name → its files; written into the CLI's own skills folder as NAME/SKILL.md + files. */
  skills: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'skill names are lowercase letters, digits, - and _'),
      z.array(agentSkillFileSchema),
    )
    .default({}),
  pricing: tokenPricingSchema.optional(),
});
export type AgentRunSpec = z.infer<typeof agentRunSpecSchema>;
export type AgentRunSpecInput = z.input<typeof agentRunSpecSchema>;
export type AgentPermissionMode = z.infer<typeof agentPermissionModeSchema>;
export type McpServerSpec = z.infer<typeof mcpServerSpecSchema>;
export type TokenPricing = z.infer<typeof tokenPricingSchema>;
