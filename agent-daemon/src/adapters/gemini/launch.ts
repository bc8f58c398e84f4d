/**
 * How Gemini CLI is launched for a run: one `gemini -p … --output-format stream-json` process per
 * turn (`--resume <session>` after the first), with a private GEMINI_CLI_HOME whose settings pick
 * API-key auth, switch folder trust, telemetry and usage statistics off, and exclude denied tools.
 */
import path from 'node:path';
import type { AgentPermissionMode, AgentRunSpec } from '@openase/shared/protocol/agent-spec';
import { parsePattern, toolKinds } from '../common/tool-rules.js';

export const GEMINI_DEFAULT_MODEL = 'gemini-2.5-pro';
export const geminiHome = (privateDir: string) => path.join(privateDir, 'gemini-home');
/** Gemini reads `<GEMINI_CLI_HOME>/.gemini/…` (settings, GEMINI.md, skills, sessions). */
export const geminiConfigDir = (privateDir: string) => path.join(geminiHome(privateDir), '.gemini');

const APPROVAL_MODE: Record<AgentPermissionMode, string> = {
  default: 'default',
  acceptEdits: 'auto_edit',
  bypassPermissions: 'yolo',
  plan: 'plan',
};

/** Harness patterns → Gemini tool names (`Bash(git *)` → `run_shell_command(git)`, a command prefix). */
export function geminiToolPatterns(patterns: readonly string[]): string[] {
  const out: string[] = [];
  for (const pattern of patterns) {
    const { name, glob } = parsePattern(pattern);
    const kinds = toolKinds(name);
    const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
    const names = mcp
      ? [`mcp_${mcp[1]}_${mcp[2]}`]
      : kinds[0] === 'other'
        ? [name]
        : kinds.map(
            (kind) => ({ shell: 'run_shell_command', edit: 'replace', write: 'write_file', other: name })[kind],
          );
    const prefix = glob?.replace(/\s*\*$/, '');
    for (const geminiName of names)
      out.push(prefix && geminiName === 'run_shell_command' ? `${geminiName}(${prefix})` : geminiName);
  }
  return [...new Set(out)];
}

export function geminiSettings(spec: AgentRunSpec): Record<string, unknown> {
  // No approval channel headless: `tools.ask` (refused by validate for Gemini) fails closed, like deny.
  const exclude = geminiToolPatterns([...spec.tools.deny, ...(spec.tools.ask ?? [])]);
  return {
    security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    ...(exclude.length > 0 ? { tools: { exclude } } : {}),
    ...(spec.cliMaxTurns ? { model: { maxSessionTurns: spec.cliMaxTurns } } : {}),
    ...(Object.keys(spec.mcpServers).length > 0
      ? {
          mcpServers: Object.fromEntries(
            Object.entries(spec.mcpServers).map(([name, s]) => [
              name,
              'command' in s
                ? { command: s.command, args: s.args, env: s.env }
                : { httpUrl: s.url, headers: s.headers },
            ]),
          ),
        }
      : {}),
  };
}

export function geminiArgs(spec: AgentRunSpec, input: string, resume: string | undefined): string[] {
  return [
    '-p',
    input,
    '--output-format',
    'stream-json',
    '-m',
    spec.model ?? GEMINI_DEFAULT_MODEL,
    '--approval-mode',
    APPROVAL_MODE[spec.permissionMode],
    ...(resume ? ['--resume', resume] : []),
    ...spec.args,
  ];
}

export function geminiEnv(spec: AgentRunSpec, privateDir: string): Record<string, string | undefined> {
  const apiKey = spec.provider.apiKeyEnv ? spec.env[spec.provider.apiKeyEnv] : undefined;
  return {
    GEMINI_CLI_HOME: geminiHome(privateDir),
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    ...(spec.provider.baseUrl ? { GOOGLE_GEMINI_BASE_URL: spec.provider.baseUrl } : {}),
    ...(apiKey !== undefined ? { GEMINI_API_KEY: apiKey } : {}),
  };
}

/** Documented exit codes → what went wrong, in words a user can act on. */
export const GEMINI_EXIT_CODES: Record<
  number,
  { reason: 'auth' | 'failed' | 'config' | 'max_turns' | 'interrupted'; message: string }
> = {
  41: {
    reason: 'auth',
    message: 'Gemini CLI could not authenticate: check GEMINI_API_KEY and settings security.auth.selectedType',
  },
  42: { reason: 'failed', message: 'Gemini CLI rejected its input (prompt or arguments)' },
  52: { reason: 'config', message: 'Gemini CLI configuration error (settings.json)' },
  53: { reason: 'max_turns', message: 'Gemini CLI reached its session turn limit' },
  54: { reason: 'failed', message: 'a Gemini CLI tool failed fatally' },
  130: { reason: 'interrupted', message: 'Gemini CLI was interrupted' },
  144: { reason: 'failed', message: 'the model API returned an error' },
};
