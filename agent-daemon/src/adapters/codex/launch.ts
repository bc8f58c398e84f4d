/**
 * How Codex is launched for a run: `codex app-server` with a private CODEX_HOME whose
 * config.toml names one custom Responses provider (no WebSocket, no built-in OpenAI endpoint).
 */
import path from 'node:path';
import type { AgentRunSpec } from '@openase/shared/protocol/agent-spec';
import { shellFullyDenied } from '../common/tool-rules.js';

/** A slug Codex ships metadata for: an unknown slug gets no `apply_patch` tool. */
export const CODEX_DEFAULT_MODEL = 'gpt-5.5';
export const CODEX_PROVIDER_ID = 'openase';

export const codexHome = (privateDir: string) => path.join(privateDir, 'codex-home');

/** TOML basic string. */
const toml = (value: string) => JSON.stringify(value);
const tomlArray = (values: readonly string[]) => `[${values.map(toml).join(', ')}]`;
const tomlTable = (record: Record<string, string>) =>
  `{ ${Object.entries(record)
    .map(([k, v]) => `${toml(k)} = ${toml(v)}`)
    .join(', ')} }`;

/**
 * The Responses endpoint: `provider.baseUrl`, else `OPENAI_BASE_URL` from the agent's env (the
 * variable Codex's built-in provider reads, which a custom provider would otherwise ignore).
 */
export function codexBaseUrl(spec: AgentRunSpec): string {
  return spec.provider.baseUrl ?? spec.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
}

export function codexConfigToml(spec: AgentRunSpec): string {
  const retries = spec.provider.maxRetries;
  const lines = [
    '# Written by the OpenASE daemon for one run; edits are lost.',
    `model = ${toml(spec.model ?? CODEX_DEFAULT_MODEL)}`,
    `model_provider = ${toml(CODEX_PROVIDER_ID)}`,
    '',
    `[model_providers.${CODEX_PROVIDER_ID}]`,
    'name = "OpenASE provider"',
    `base_url = ${toml(codexBaseUrl(spec))}`,
    `env_key = ${toml(spec.provider.apiKeyEnv ?? 'OPENAI_API_KEY')}`,
    'wire_api = "responses"',
    ...(retries !== undefined ? [`request_max_retries = ${retries}`, `stream_max_retries = ${retries}`] : []),
    '',
    // The `workspace-write` sandbox (permission mode `default`) blocks network for shell commands
    // by default, so the agent's `openase` wrapper could not reach the platform ("connect EPERM").
    '[sandbox_workspace_write]',
    'network_access = true',
  ];
  for (const [name, server] of Object.entries(spec.mcpServers)) {
    lines.push('', `[mcp_servers.${name}]`);
    if ('command' in server) {
      lines.push(`command = ${toml(server.command)}`, `args = ${tomlArray(server.args)}`);
      if (Object.keys(server.env).length > 0) lines.push(`env = ${tomlTable(server.env)}`);
    } else {
      lines.push(`url = ${toml(server.url)}`);
      if (Object.keys(server.headers).length > 0) lines.push(`http_headers = ${tomlTable(server.headers)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export interface CodexPolicy {
  approvalPolicy: 'untrusted' | 'on-request' | 'never';
  sandbox: 'read-only' | 'workspace-write' | 'danger-full-access';
}

/**
 * The thread's sandbox and approval policy from the harness. Any allow/deny/ask rule means every
 * command and patch comes to the daemon as an approval request (`untrusted`) and is answered by
 * the rules; only bypass with no rules at all runs unattended.
 */
export function codexPolicy(spec: AgentRunSpec): CodexPolicy {
  const hasRules = spec.tools.allow.length > 0 || spec.tools.deny.length > 0 || (spec.tools.ask ?? []).length > 0;
  if (spec.permissionMode === 'plan') return { approvalPolicy: 'never', sandbox: 'read-only' };
  if (spec.permissionMode === 'bypassPermissions' && !hasRules)
    return { approvalPolicy: 'never', sandbox: 'danger-full-access' };
  return { approvalPolicy: 'untrusted', sandbox: shellFullyDenied(spec.tools) ? 'read-only' : 'workspace-write' };
}

export function codexArgs(spec: AgentRunSpec): string[] {
  return ['app-server', ...spec.args];
}
