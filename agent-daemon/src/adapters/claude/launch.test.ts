import { agentRunSpecSchema } from '@openase/shared/protocol/agent-spec';
import { describe, expect, it } from 'vitest';
import { claudeArgs, claudeEnv, claudeMcpConfig, claudeToolPatterns } from './launch.js';

const spec = (extra: Record<string, unknown> = {}) =>
  agentRunSpecSchema.parse({ adapter: 'claude-code', prompt: 'go', ...extra });

describe('claude launch', () => {
  it('maps harness tool names of any CLI onto Claude tools', () => {
    expect(
      claudeToolPatterns(['shell', 'Bash(git *)', 'apply_patch', 'write_file(docs/*)', 'Read', 'mcp__t__x']),
    ).toEqual(['Bash', 'Bash(git *)', 'Edit', 'Write', 'Write(docs/*)', 'Read', 'mcp__t__x']);
  });

  it('builds the long-lived stream-json argv with the harness', () => {
    const withMcp = spec({ mcpServers: { tickets: { command: 'node', args: ['mcp.mjs'] } } });
    expect(claudeMcpConfig(withMcp)).toEqual({
      mcpServers: { tickets: { type: 'stdio', command: 'node', args: ['mcp.mjs'], env: {} } },
    });
    const args = claudeArgs(
      spec({
        systemPrompt: 'RULES',
        model: 'claude-x',
        cliMaxTurns: 7,
        resumeSessionId: 'abc',
        tools: { allow: ['Edit'], deny: ['Bash'] },
        mcpServers: { tickets: { command: 'node', args: ['mcp.mjs'] } },
        args: ['--add-dir', '/x'],
      }),
      '/p/mcp.json',
    );
    expect(args.slice(0, 6)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--input-format',
      'stream-json',
      '--verbose',
    ]);
    expect(args).toEqual(
      expect.arrayContaining([
        '--permission-prompt-tool',
        'stdio',
        '--append-system-prompt',
        'RULES',
        '--model',
        'claude-x',
        '--max-turns',
        '7',
        '--resume',
        'abc',
        '--strict-mcp-config',
        '--allowedTools=Edit',
        '--disallowedTools=Bash',
      ]),
    );
    expect(args[args.indexOf('--mcp-config') + 1]).toBe('/p/mcp.json');
    expect(args.slice(-2)).toEqual(['--add-dir', '/x']);
  });

  it('always silences non-essential traffic, and sets IS_SANDBOX only for bypass as root', () => {
    const env = claudeEnv(
      spec({ provider: { baseUrl: 'http://127.0.0.1:1', maxRetries: 0, apiKeyEnv: 'MY_KEY' }, env: { MY_KEY: 'sk' } }),
      { privateDir: '/p', asRoot: true },
    );
    expect(env).toMatchObject({
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      ANTHROPIC_API_KEY: 'sk',
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_CONFIG_DIR: '/p/home/.claude',
    });
    expect(env.IS_SANDBOX).toBeUndefined();
    expect(
      claudeEnv(spec({ permissionMode: 'bypassPermissions' }), { privateDir: '/p', asRoot: true }).IS_SANDBOX,
    ).toBe('1');
    expect(
      claudeEnv(spec({ permissionMode: 'bypassPermissions' }), { privateDir: '/p', asRoot: false }).IS_SANDBOX,
    ).toBeUndefined();
  });
});
