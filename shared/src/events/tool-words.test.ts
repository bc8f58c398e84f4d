import { describe, expect, it } from 'vitest';
import { describeToolCall } from './tool-words.js';

describe('describeToolCall: what a tool call acted on, never its JSON', () => {
  it('says a shell command as the command, a file read or edit as its path, a search as its pattern', () => {
    expect(describeToolCall('Bash', { command: 'npm test', description: 'run the tests' })).toEqual({
      tool: 'Bash',
      summary: 'npm test',
    });
    // Codex's shell, its words as a list: the script run.
    expect(describeToolCall('shell', { command: ['bash', '-lc', 'git status'], cwd: '/w' }).summary).toBe('git status');
    expect(describeToolCall('run_shell_command', { command: 'ls\nwc -l' }).summary).toBe('ls …');
    expect(describeToolCall('Read', { file_path: 'src/a.ts', limit: 40 }).summary).toBe('src/a.ts');
    expect(describeToolCall('Edit', { file_path: 'src/a.ts', old_string: 'a', new_string: 'b' }).summary).toBe(
      'src/a.ts',
    );
    expect(describeToolCall('replace', { file_path: 'b.py', old_string: 'x' }).summary).toBe('b.py');
    expect(describeToolCall('Grep', { pattern: 'TODO', path: 'src' }).summary).toBe('TODO in src');
    expect(describeToolCall('Glob', { pattern: '**/*.ts' }).summary).toBe('**/*.ts');
    expect(describeToolCall('WebFetch', { url: 'https://example.com', prompt: 'x' }).summary).toBe(
      'https://example.com',
    );
    expect(describeToolCall('apply_patch', { changes: [{ path: 'a.ts' }, { path: 'b.ts' }] }).summary).toBe(
      'a.ts, b.ts',
    );
    expect(describeToolCall('TodoWrite', { todos: [{}, {}] }).summary).toBe('2 to-dos');
  });

  it('says a tool it does not know by its name and a compact "key: value" list', () => {
    const call = describeToolCall('mcp__openase__ticket_create', {
      title: 'Onboarding docs',
      labels: ['docs', 'web'],
      body: { markdown: 'x', more: 'y' },
      parent: null,
      steps: [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }],
      draft: true,
    });
    expect(call).toEqual({
      tool: 'ticket_create (openase)',
      summary: 'title: Onboarding docs, labels: docs, web, body: 2 fields, parent: none, steps: 4 items, draft: true',
    });
    expect(call.summary).not.toMatch(/[{}"]/);
    // A known tool whose input lacks its field falls back to the list.
    expect(describeToolCall('Read', { offset: 3 }).summary).toBe('offset: 3');
    expect(describeToolCall('Anything', null).summary).toBe('');
    expect(describeToolCall('Anything', { text: 'x'.repeat(500) }).summary.length).toBeLessThanOrEqual(70);
  });
});
