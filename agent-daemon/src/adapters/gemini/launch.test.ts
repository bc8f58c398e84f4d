import { agentRunSpecSchema } from '@openase/shared/protocol/agent-spec';
import { describe, expect, it } from 'vitest';
import { geminiArgs, geminiEnv, geminiSettings, geminiToolPatterns } from './launch.js';

const spec = (extra: Record<string, unknown> = {}) =>
  agentRunSpecSchema.parse({ adapter: 'gemini', prompt: 'go', ...extra });

describe('gemini launch', () => {
  it('maps harness tool names onto Gemini tools', () => {
    expect(
      geminiToolPatterns([
        'Bash',
        'Bash(git *)',
        'Edit',
        'Write',
        'apply_patch',
        'web_fetch',
        'mcp__tickets__lookup_ticket',
      ]),
    ).toEqual([
      'run_shell_command',
      'run_shell_command(git)',
      'replace',
      'write_file',
      'web_fetch',
      'mcp_tickets_lookup_ticket',
    ]);
  });

  it('builds one headless stream-json invocation per turn, resuming after the first', () => {
    expect(geminiArgs(spec({ permissionMode: 'bypassPermissions' }), 'hello', undefined)).toEqual([
      '-p',
      'hello',
      '--output-format',
      'stream-json',
      '-m',
      'gemini-2.5-pro',
      '--approval-mode',
      'yolo',
    ]);
    expect(geminiArgs(spec({ model: 'gemini-x', permissionMode: 'acceptEdits' }), 'next', 'sess-1')).toEqual([
      '-p',
      'next',
      '--output-format',
      'stream-json',
      '-m',
      'gemini-x',
      '--approval-mode',
      'auto_edit',
      '--resume',
      'sess-1',
    ]);
  });

  it('selects API-key auth, turns folder trust and telemetry off and excludes denied tools', () => {
    expect(geminiSettings(spec({ tools: { deny: ['Bash'] }, cliMaxTurns: 5 }))).toMatchObject({
      security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      tools: { exclude: ['run_shell_command'] },
      model: { maxSessionTurns: 5 },
    });
    expect(
      geminiEnv(spec({ provider: { baseUrl: 'http://127.0.0.1:1', apiKeyEnv: 'K' }, env: { K: 'secret' } }), '/p'),
    ).toEqual({
      GEMINI_CLI_HOME: '/p/gemini-home',
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:1',
      GEMINI_API_KEY: 'secret',
    });
  });
});
