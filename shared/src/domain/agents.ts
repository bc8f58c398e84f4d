import * as z from '../zod.js';
import { agentAdapterSchema, type AgentAdapter } from './enums.js';
import { labelsSchema, projectRefSchema, shortNameSchema } from './inputs.js';
import { LIMITS } from './limits.js';

/** The command an adapter runs when an agent names none: the CLI's name, found on PATH. */
export const ADAPTER_DEFAULT_COMMAND: Record<AgentAdapter, string | null> = {
  'claude-code': 'claude',
  codex: 'codex',
  gemini: 'gemini',
  custom: null,
};

/** Each adapter as a person names it (the product it runs): the console's words, never `claude-code`. */
export const ADAPTER_LABELS: Record<AgentAdapter, string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  gemini: 'Gemini CLI',
  custom: 'Custom command',
};

/** USD per million tokens. */
export interface ModelPricing {
  input: number;
  output: number;
  cached: number;
}

/**
 * Default prices for known models, matched by the longest prefix of the model name. Source:
 * the providers' public list prices (Anthropic, OpenAI, Google) at the time of writing; they
 * are defaults only: adjust them per agent (`--price-input/--price-output/--price-cached`).
 */
export const MODEL_PRICING: Readonly<Record<string, ModelPricing>> = {
  'claude-opus': { input: 15, output: 75, cached: 1.5 },
  'claude-sonnet': { input: 3, output: 15, cached: 0.3 },
  'claude-haiku': { input: 1, output: 5, cached: 0.1 },
  'gpt-5': { input: 1.25, output: 10, cached: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cached: 0.025 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cached: 0.005 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cached: 0.31 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cached: 0.075 },
};

/** The default model of each adapter when an agent names none. */
export const ADAPTER_DEFAULT_MODEL: Record<AgentAdapter, string | null> = {
  'claude-code': 'claude-sonnet-4-5',
  // A slug Codex ships metadata for (an unknown slug, e.g. plain gpt-5 in 0.169, gets no apply_patch tool).
  codex: 'gpt-5.5',
  gemini: 'gemini-2.5-pro',
  custom: null,
};

/** Prices for `model` from MODEL_PRICING (longest matching prefix), or null when unknown. */
export function defaultPricing(model: string | null | undefined): ModelPricing | null {
  if (!model) return null;
  const name = model.toLowerCase();
  let best: string | null = null;
  for (const prefix of Object.keys(MODEL_PRICING)) {
    if (name.startsWith(prefix) && (best === null || prefix.length > best.length)) best = prefix;
  }
  return best ? MODEL_PRICING[best]! : null;
}

/** Environment variable names: what a shell accepts, and never one of ours. */
/**
 * A model name as the CLIs take it (`-m NAME`, `--model NAME`): one word that is not an option. `--sandbox` as a model
 * became a flag of Gemini CLI's own (review, 2026-12-07).
 */
export const modelNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^-\s][^\s]*$/, 'a model name is one word and does not start with "-"');

export const envNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'an environment variable name: letters, digits and underscores, not starting with a digit',
  )
  .max(128)
  .refine((n) => !n.startsWith('OPENASE_'), 'names starting with OPENASE_ are reserved for the platform');

export const agentNameSchema = shortNameSchema;

const envValue = z.string().max(LIMITS.envValueMax, `a value has at most ${LIMITS.envValueMax} characters`);
const price = z.number().min(0).max(10_000);
const pricingSchema = z.object({ input: price, output: price, cached: price });
const argsSchema = z.array(z.string().max(4096)).max(100);
const envMap = z.record(envNameSchema, envValue).refine((m) => Object.keys(m).length <= 100, 'at most 100 variables');

/**
 * An MCP server the agent's CLI gets: a stdio `command` or a remote `url`. Values may name the agent's env and
 * secrets as `${NAME}`, filled in only in the offer (a secret is never stored in a run's spec).
 */
export const agentMcpServerSchema = z.union([
  z.strictObject({
    command: z.string().trim().min(1).max(4096),
    args: argsSchema.default([]),
    env: z.record(z.string().max(128), envValue).default({}),
  }),
  z.strictObject({
    url: z.string().url('must be a URL').max(LIMITS.urlMax),
    headers: z.record(z.string().max(128), envValue).default({}),
  }),
]);
export type AgentMcpServer = z.infer<typeof agentMcpServerSchema>;
export const agentMcpServersSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'MCP server names: letters, digits, _ and - only'), agentMcpServerSchema)
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 MCP servers');

export const agentCreateInput = z.object({
  project: projectRefSchema,
  name: agentNameSchema,
  adapter: agentAdapterSchema,
  /** Absolute path or a name on PATH; default: the adapter's CLI name. Required for `custom`. */
  command: z.string().trim().min(1).max(4096).optional(),
  args: argsSchema.default([]),
  model: modelNameSchema.optional(),
  env: envMap.default({}),
  /** Env var name → secret value; stored encrypted, never returned. */
  secrets: envMap.default({}),
  maxParallelRuns: z.number().int().min(1).max(1000).nullable().optional(),
  /** USD per million tokens; default from MODEL_PRICING for the model. */
  pricing: pricingSchema.optional(),
  machineLabels: labelsSchema.default([]),
  /** MCP servers for every run of this agent; a workflow's `mcp_servers` entry of the same name replaces one. */
  mcpServers: agentMcpServersSchema.default({}),
});
export type AgentCreateInput = z.input<typeof agentCreateInput>;

export const agentRefInput = z.object({ project: projectRefSchema, agent: agentNameSchema });

export const agentUpdateInput = z.object({
  project: projectRefSchema,
  agent: agentNameSchema,
  name: agentNameSchema.optional(),
  adapter: agentAdapterSchema.optional(),
  command: z.string().trim().min(1).max(4096).nullable().optional(),
  args: argsSchema.optional(),
  model: modelNameSchema.nullable().optional(),
  /** Replaces the whole set of plain env vars. */
  env: envMap.optional(),
  /** Sets (or replaces) these secrets; others are kept. */
  setSecrets: envMap.optional(),
  unsetSecrets: z.array(envNameSchema).max(100).optional(),
  maxParallelRuns: z.number().int().min(1).max(1000).nullable().optional(),
  pricing: pricingSchema.optional(),
  machineLabels: labelsSchema.optional(),
  /** Replaces the whole set of MCP servers. */
  mcpServers: agentMcpServersSchema.optional(),
});
export type AgentUpdateInput = z.input<typeof agentUpdateInput>;
