/** Agents (a CLI with its model, env and limits) and the encrypted secrets bound to them. */
import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { AGENT_ADAPTERS, type AgentMcpServer } from '@openase/shared';
import { timestamps, ownedRow, usd, textList } from './columns.js';
import { projects } from './projects.js';

/**
 * Agents (providers) of a project: which CLI runs, how, at what price. Secret env bindings live
 * in `secrets` (encrypted); `env` holds only plain values.
 */
export const agents = pgTable(
  'agents',
  {
    ...ownedRow('projectId', () => projects.id),
    name: text('name').notNull(),
    adapter: text('adapter', { enum: AGENT_ADAPTERS }).notNull(),
    /** Absolute path or a name on PATH. */
    command: text('command').notNull(),
    args: textList('args'),
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
    priceInput: usd('price_input').notNull().default(0),
    priceOutput: usd('price_output').notNull().default(0),
    priceCached: usd('price_cached').notNull().default(0),
    machineLabels: textList('machine_labels'),
    ...timestamps(),
  },
  (t) => [uniqueIndex('agents_project_name').on(t.projectId, sql`lower(${t.name})`)],
);

/** Encrypted values (AES-256-GCM, key in the data dir). Bound to an agent as env var `name`. */
export const secrets = pgTable(
  'secrets',
  {
    ...ownedRow('projectId', () => projects.id),
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** `v1:<iv>:<tag>:<ciphertext>`, base64url parts. */
    ciphertext: text('ciphertext').notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('secrets_agent_name').on(t.agentId, t.name)],
);
