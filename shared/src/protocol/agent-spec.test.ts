import { describe, expect, it } from 'vitest';
import { agentRunSpecSchema } from './agent-spec.js';

describe('agent run spec', () => {
  it('fills defaults so adapters never see undefined collections', () => {
    expect(agentRunSpecSchema.parse({ adapter: 'codex', prompt: 'go' })).toEqual({
      adapter: 'codex',
      prompt: 'go',
      args: [],
      env: {},
      provider: {},
      systemPrompt: '',
      maxTurns: 10,
      permissionMode: 'default',
      tools: { allow: [], deny: [] },
      mcpServers: {},
      skills: {},
    });
    expect(
      agentRunSpecSchema.parse({ adapter: 'gemini', prompt: 'go', pricing: { input: 1, output: 2 } }).pricing,
    ).toEqual({ input: 1, output: 2, cached: 0 });
  });

  it('refuses bad env names, skill names, adapters and MCP servers with the field named', () => {
    const issues = (value: unknown) =>
      agentRunSpecSchema.safeParse(value).error?.issues.map((issue) => issue.path.join('.')) ?? [];
    expect(issues({ adapter: 'claude-code', prompt: 'x', env: { 'BAD-NAME': 'v' } })).toEqual(['env.BAD-NAME']);
    expect(issues({ adapter: 'claude-code', prompt: 'x', skills: { '../evil': [] } })).toEqual(['skills.../evil']);
    expect(issues({ adapter: 'telepathy', prompt: 'x' })).toEqual(['adapter']);
    expect(issues({ adapter: 'codex', prompt: 'x', mcpServers: { t: { url: 'not a url' } } })).toEqual([
      'mcpServers.t.url',
    ]);
    expect(issues({ adapter: 'codex', prompt: 'x', permissionMode: 'yolo' })).toEqual(['permissionMode']);
  });
});
