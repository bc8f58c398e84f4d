/** Agents (a CLI with its model, env and limits) and the encrypted secrets bound to them. */
import { sql } from 'drizzle-orm';
import { integer, jsonb, numeric, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { AgentMcpServer } from '@openase/shared';
import { createdAt, tstz } from './columns.js';
import { projects } from './projects.js';

/**
 * Agents (providers) of a project: which CLI runs, how, at what price. Secret env bindings live
 * in `secrets` (encrypted); `env` holds only plain values.
 */
export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    adapter: text('adapter', { enum: ['claude-code', 'codex', 'gemini', 'custom'] }).notNull(),
    /** Absolute path or a name on PATH. */
    command: text('command').notNull(),
    args: text('args')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    model: text('model'),
    env: jsonb('env')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** MCP servers for every run of the agent (under the workflow's `mcp_servers`); `${NAME}` placeholders. */
    mcpServers: jsonb('mcp_servers')
      .$type<Record<string, AgentMcpServer>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    maxParallelRuns: integer('max_parallel_runs'),
    /** USD per million tokens. */
    priceInput: numeric('price_input', { precision: 12, scale: 4, mode: 'number' }).notNull().default(0),
    priceOutput: numeric('price_output', { precision: 12, scale: 4, mode: 'number' }).notNull().default(0),
    priceCached: numeric('price_cached', { precision: 12, scale: 4, mode: 'number' }).notNull().default(0),
    machineLabels: text('machine_labels')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull(),
  },
  (t) => [uniqueIndex('agents_project_name').on(t.projectId, sql`lower(${t.name})`)],
);

/** Encrypted values (AES-256-GCM, key in the data dir). Bound to an agent as env var `name`. */
export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `v1:<iv>:<tag>:<ciphertext>`, base64url parts. */
    ciphertext: text('ciphertext').notNull(),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull(),
  },
  (t) => [uniqueIndex('secrets_agent_name').on(t.agentId, t.name)],
);
