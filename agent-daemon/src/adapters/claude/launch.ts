/**
 * How Claude Code is launched for a run: argv, env and the private config dir. Pure except for
 * `prepareClaudeHome` (writes skills).
 */
import path from 'node:path';
import type { AgentPermissionMode, AgentRunSpec } from '@openase/shared/protocol/agent-spec';
import { parsePattern, toolKinds } from '../common/tool-rules.js';

/** Harness names of other CLIs → Claude's own tool names. */
export function claudeToolPatterns(patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const pattern of patterns) {
    const { name, glob } = parsePattern(pattern);
    const kinds = toolKinds(name);
    const names =
      kinds[0] === 'other'
        ? [name]
        : [...new Set(kinds.map((kind) => ({ shell: 'Bash', edit: 'Edit', write: 'Write', other: name })[kind]))];
    for (const claudeName of names) out.push(glob === undefined ? claudeName : `${claudeName}(${glob})`);
  }
  return [...new Set(out)];
}

const PERMISSION_MODE: Record<AgentPermissionMode, string> = {
  default: 'default',
  acceptEdits: 'acceptEdits',
  bypassPermissions: 'bypassPermissions',
  plan: 'plan',
};

/** `mcpConfigPath`: the run's MCP servers as a JSON file (private, mode 0600: their env may hold secrets). */
export function claudeArgs(spec: AgentRunSpec, mcpConfigPath: string): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--input-format', 'stream-json', '--verbose'];
  // With `tools.ask`, every call must come to the daemon: no mode or allow flag may let the CLI go ahead by itself.
  const asks = (spec.tools.ask ?? []).length > 0;
  const mode = asks && spec.permissionMode !== 'plan' ? 'default' : spec.permissionMode;
  args.push('--permission-mode', PERMISSION_MODE[mode]);
  // Every permission question the CLI would ask a human comes to the daemon as `can_use_tool`.
  args.push('--permission-prompt-tool', 'stdio');
  if (spec.systemPrompt) args.push('--append-system-prompt', spec.systemPrompt);
  if (spec.model) args.push('--model', spec.model);
  if (spec.cliMaxTurns) args.push('--max-turns', String(spec.cliMaxTurns));
  if (spec.resumeSessionId) args.push('--resume', spec.resumeSessionId);
  // Only the run's MCP servers: never the repo's .mcp.json or the user's config.
  args.push('--mcp-config', mcpConfigPath, '--strict-mcp-config');
  const allow = asks ? [] : claudeToolPatterns(spec.tools.allow);
  const deny = claudeToolPatterns(spec.tools.deny);
  // Variadic flags: each pattern is its own argv entry; `--flag=` keeps them from eating what follows.
  for (const pattern of allow) args.push(`--allowedTools=${pattern}`);
  for (const pattern of deny) args.push(`--disallowedTools=${pattern}`);
  args.push(...spec.args);
  return args;
}

export function claudeMcpConfig(spec: AgentRunSpec): { mcpServers: Record<string, unknown> } {
  return { mcpServers: claudeMcpServers(spec) };
}

function claudeMcpServers(spec: AgentRunSpec): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec.mcpServers).map(([name, server]) =>
      'command' in server
        ? [name, { type: 'stdio', command: server.command, args: server.args, env: server.env }]
        : [name, { type: 'http', url: server.url, headers: server.headers }],
    ),
  );
}

export interface ClaudeEnvOptions {
  privateDir: string;
  asRoot: boolean;
}

/** Env Claude always gets on top of the spec's: a private config dir and no traffic but the model API. */
export function claudeEnv(spec: AgentRunSpec, options: ClaudeEnvOptions): Record<string, string | undefined> {
  const configDir = claudeConfigDir(options.privateDir);
  const apiKey = spec.provider.apiKeyEnv ? spec.env[spec.provider.apiKeyEnv] : undefined;
  return {
    CLAUDE_CONFIG_DIR: configDir,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    ...(spec.provider.baseUrl ? { ANTHROPIC_BASE_URL: spec.provider.baseUrl } : {}),
    ...(apiKey !== undefined ? { ANTHROPIC_API_KEY: apiKey } : {}),
    ...(spec.provider.maxRetries !== undefined ? { CLAUDE_CODE_MAX_RETRIES: String(spec.provider.maxRetries) } : {}),
    // As root, Claude refuses bypassPermissions unless it is told it runs in a sandbox.
    ...(spec.permissionMode === 'bypassPermissions' && options.asRoot ? { IS_SANDBOX: '1' } : {}),
  };
}

export const claudeConfigDir = (privateDir: string) => path.join(privateDir, 'home', '.claude');
