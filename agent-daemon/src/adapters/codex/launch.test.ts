import { agentRunSpecSchema } from '@openase/shared/protocol/agent-spec';
import { describe, expect, it } from 'vitest';
import { codexConfigToml, codexPolicy } from './launch.js';

const spec = (extra: Record<string, unknown> = {}) =>
  agentRunSpecSchema.parse({ adapter: 'codex', prompt: 'go', ...extra });

describe('codex launch', () => {
  it('writes one custom Responses provider with a bundled model slug', () => {
    const config = codexConfigToml(
      spec({ provider: { baseUrl: 'http://127.0.0.1:9/s/x/v1', apiKeyEnv: 'FAKE_KEY', maxRetries: 0 } }),
    );
    expect(config).toContain('model = "gpt-5.5"\nmodel_provider = "openase"');
    expect(config).toContain('[model_providers.openase]');
    expect(config).toContain('base_url = "http://127.0.0.1:9/s/x/v1"');
    expect(config).toContain('env_key = "FAKE_KEY"');
    expect(config).toContain('wire_api = "responses"');
    expect(config).toContain('request_max_retries = 0\nstream_max_retries = 0');
    // Shell commands in the workspace-write sandbox may use the network (the openase wrapper).
    expect(config).toContain('[sandbox_workspace_write]\nnetwork_access = true');
  });

  it("takes the endpoint from the agent's OPENAI_BASE_URL when the provider names none", () => {
    expect(codexConfigToml(spec({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } }))).toContain(
      'base_url = "http://127.0.0.1:9/v1"',
    );
    expect(
      codexConfigToml(
        spec({ env: { OPENAI_BASE_URL: 'http://a.invalid/v1' }, provider: { baseUrl: 'http://b.invalid/v1' } }),
      ),
    ).toContain('base_url = "http://b.invalid/v1"');
    expect(codexConfigToml(spec())).toContain('base_url = "https://api.openai.com/v1"');
  });

  it('adds MCP servers and escapes values as TOML strings', () => {
    const config = codexConfigToml(
      spec({ model: 'gpt-"x"', mcpServers: { tickets: { command: 'node', args: ['a "b".mjs'], env: { K: 'v' } } } }),
    );
    expect(config).toContain('model = "gpt-\\"x\\""');
    expect(config).toContain('[mcp_servers.tickets]\ncommand = "node"\nargs = ["a \\"b\\".mjs"]\nenv = { "K" = "v" }');
  });

  it('derives approval policy and sandbox from the harness', () => {
    expect(codexPolicy(spec())).toEqual({ approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
    expect(codexPolicy(spec({ permissionMode: 'bypassPermissions' }))).toEqual({
      approvalPolicy: 'never',
      sandbox: 'danger-full-access',
    });
    expect(codexPolicy(spec({ permissionMode: 'bypassPermissions', tools: { deny: ['Bash'] } }))).toEqual({
      approvalPolicy: 'untrusted',
      sandbox: 'read-only',
    });
    expect(codexPolicy(spec({ permissionMode: 'plan' }))).toEqual({ approvalPolicy: 'never', sandbox: 'read-only' });
  });
});
