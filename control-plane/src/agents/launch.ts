/**
 * What an agent's process runs is decided by its launch: the adapter, the command and its args, its environment (env
 * and secrets: NODE_OPTIONS, LD_PRELOAD, PATH or BASH_ENV change what a program loads) and its MCP servers (each a
 * program its CLI starts). Setting any of these is code run on machines (docs/security.md), so an API token needs
 * `runs.exec` for it, as for a plain command; its name, model, labels, limits and pricing need no more than `write`.
 */
import type { AgentCreateInput, AgentUpdateInput } from '@openase/shared';
import type { agents } from '../db/schema.js';
import type { Actor } from '../kernel/context.js';
import { requireExec } from '../auth/permissions.js';
import { canonicalJson } from '../kernel/rows.js';

type Agent = typeof agents.$inferSelect;

// Compared as canonical JSON: the stored env and MCP servers are jsonb, whose key order is not the input's.
const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const some = (v: unknown[] | Record<string, unknown> | undefined) => !!v && Object.keys(v).length > 0;

/** The parts of its launch a new agent sets beyond its adapter's defaults. */
export function launchSetBy(input: AgentCreateInput): string[] {
  return [
    input.adapter === 'custom' || input.command ? 'command' : null,
    some(input.args) ? 'args' : null,
    some(input.env) ? 'env' : null,
    some(input.secrets) ? 'secrets' : null,
    some(input.mcpServers) ? 'MCP servers' : null,
  ].filter((p): p is string => p !== null);
}

/** The parts of its launch an update changes (secrets: any set, their values cannot be compared). */
export function launchChangedBy(before: Agent, input: AgentUpdateInput, command: string | undefined): string[] {
  return [
    input.adapter !== undefined && input.adapter !== before.adapter ? 'adapter' : null,
    command !== undefined && command !== before.command ? 'command' : null,
    input.args !== undefined && !same(input.args, before.args) ? 'args' : null,
    input.env !== undefined && !same(input.env, before.env) ? 'env' : null,
    some(input.setSecrets) ? 'secrets' : null,
    input.mcpServers !== undefined && !same(input.mcpServers, before.mcpServers) ? 'MCP servers' : null,
  ].filter((p): p is string => p !== null);
}

export function requireLaunchGrant(actor: Actor, agentName: string, parts: string[]): void {
  if (parts.length) requireExec(actor, 'runs.exec', `set what agent ${agentName} runs (its ${parts.join(', ')})`);
}
