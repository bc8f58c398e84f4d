import { describe, expect, it } from 'vitest';
import { decideTool, globMatches, innerCommand, parsePattern, patternMatches, shellFullyDenied } from './tool-rules.js';

describe('tool rules', () => {
  it('parses NAME and NAME(glob)', () => {
    expect(parsePattern('Bash')).toEqual({ name: 'Bash' });
    expect(parsePattern('Bash(git *)')).toEqual({ name: 'Bash', glob: 'git *' });
    expect(parsePattern('Write(src/**)')).toEqual({ name: 'Write', glob: 'src/**' });
  });

  it('matches globs literally except for *', () => {
    expect(globMatches('git *', 'git status')).toBe(true);
    expect(globMatches('git *', 'git')).toBe(true);
    expect(globMatches('git *', 'gitx status')).toBe(false);
    expect(globMatches('npm test.js', 'npm testxjs')).toBe(false);
    expect(globMatches('src/*', 'src/a/b.ts')).toBe(true);
  });

  it('unwraps the login-shell wrapper codex adds', () => {
    expect(innerCommand("/bin/bash -lc 'echo hello'")).toBe('echo hello');
    expect(innerCommand("/bin/bash -lc 'echo '\\''x'\\'''")).toBe("echo 'x'");
    expect(innerCommand('git status')).toBe('git status');
  });

  it('maps tool names across CLIs by kind', () => {
    expect(patternMatches('Bash', { name: 'run_shell_command', command: 'ls' })).toBe(true);
    expect(patternMatches('shell', { name: 'Bash', command: 'ls' })).toBe(true);
    expect(patternMatches('Bash', { name: 'commandExecution', command: "/bin/bash -lc 'ls'" })).toBe(true);
    expect(patternMatches('Edit', { name: 'replace', path: 'a.txt' })).toBe(true);
    expect(patternMatches('Write', { name: 'fileChange', path: 'a.txt' })).toBe(true);
    expect(patternMatches('apply_patch', { name: 'Edit', path: 'a.txt' })).toBe(true);
    expect(patternMatches('Write', { name: 'Bash', command: 'ls' })).toBe(false);
    expect(patternMatches('mcp__tickets__*', { name: 'mcp__tickets__lookup_ticket' })).toBe(true);
    expect(patternMatches('Read', { name: 'ReadX' })).toBe(false);
  });

  it('applies the glob to the command for the shell and to the path for files', () => {
    expect(patternMatches('Bash(git *)', { name: 'Bash', command: 'git push' })).toBe(true);
    expect(patternMatches('Bash(git *)', { name: 'Bash', command: 'rm -rf /' })).toBe(false);
    expect(patternMatches('Bash(git *)', { name: 'Bash' })).toBe(false);
    expect(patternMatches('Write(docs/*)', { name: 'Write', path: 'docs/a.md' })).toBe(true);
    expect(patternMatches('Write(docs/*)', { name: 'Write', path: 'src/a.ts' })).toBe(false);
  });

  it('lets deny win, then allow, then the default of the allow list', () => {
    const rules = { allow: ['Bash(git *)', 'Edit', 'Read'], deny: ['Bash(git push *)'] };
    expect(decideTool(rules, { name: 'Bash', command: 'git status' })).toMatchObject({ allow: true });
    expect(decideTool(rules, { name: 'Bash', command: 'git push origin' })).toEqual({
      allow: false,
      reason: 'denied by the harness rule tools.deny "Bash(git push *)"',
    });
    expect(decideTool(rules, { name: 'Bash', command: 'curl x' })).toMatchObject({
      allow: false,
      reason: expect.stringContaining('tools.allow'),
    });
    expect(decideTool({ allow: [], deny: ['Bash'] }, { name: 'Write', path: 'x' })).toMatchObject({ allow: true });
    expect(decideTool({ allow: [], deny: ['Bash'] }, { name: 'Bash', command: 'ls' })).toMatchObject({ allow: false });
  });

  it('knows when the shell is denied outright', () => {
    expect(shellFullyDenied({ allow: [], deny: ['Bash'] })).toBe(true);
    expect(shellFullyDenied({ allow: [], deny: ['shell(*)'] })).toBe(true);
    expect(shellFullyDenied({ allow: [], deny: ['Bash(rm *)'] })).toBe(false);
  });
});

describe('tools.ask', () => {
  const rules = { allow: ['Bash(git *)'], deny: ['Bash(git push --force*)'], ask: ['Bash(git push*)'] };
  it('sends a matching call to a person; deny still wins and other calls follow allow', () => {
    expect(decideTool(rules, { name: 'Bash', command: 'git push origin HEAD' })).toMatchObject({
      allow: false,
      ask: 'Bash(git push*)',
    });
    expect(decideTool(rules, { name: 'Bash', command: 'git push --force origin' })).toMatchObject({ allow: false });
    expect(decideTool(rules, { name: 'Bash', command: 'git push --force origin' }).ask).toBeUndefined();
    expect(decideTool(rules, { name: 'Bash', command: 'git status' })).toMatchObject({ allow: true });
    // Codex wraps the command in a login shell: the pattern sees the inner command.
    expect(decideTool(rules, { name: 'commandExecution', command: "/bin/bash -lc 'git push'" }).ask).toBe(
      'Bash(git push*)',
    );
  });
});
