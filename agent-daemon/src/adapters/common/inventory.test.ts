import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliCacheDir, PINNED_CLIS } from '@openase/test-kit/real-clis';
import { detectAgentClis, detectCli, parseVersion } from './inventory.js';
import path from 'node:path';

describe('CLI inventory', () => {
  it("reads the version out of each CLI's --version output", () => {
    expect(parseVersion('2.1.197 (Claude Code)')).toBe('2.1.197');
    expect(parseVersion('codex-cli 0.169.0')).toBe('0.169.0');
    expect(parseVersion('0.61.0\n')).toBe('0.61.0');
    expect(parseVersion('no version here')).toBeUndefined();
  });

  it('reports a missing CLI as not installed and a real program by its version', async () => {
    expect(await detectCli('codex', '/nonexistent/codex')).toEqual({
      adapter: 'codex',
      command: '/nonexistent/codex',
      error: 'not installed',
    });
    const node = await detectCli('gemini', process.execPath);
    expect(node.version).toBe(process.versions.node);
  });

  it('detects the pinned CLIs where the real-CLI tier installed them', async () => {
    const bin = (name: keyof typeof PINNED_CLIS) =>
      path.join(
        cliCacheDir(),
        `${PINNED_CLIS[name].pkg.split('/').pop()}-${PINNED_CLIS[name].version}`,
        'node_modules',
        '.bin',
        PINNED_CLIS[name].bin,
      );
    const commands = { 'claude-code': bin('claude'), codex: bin('codex'), gemini: bin('gemini') };
    const found = await detectAgentClis(commands);
    for (const cli of found) {
      if (!existsSync(cli.command)) continue; // the real-CLI tier has not installed it yet
      expect(cli.version).toBe({ 'claude-code': '2.1.197', codex: '0.169.0', gemini: '0.61.0' }[cli.adapter]);
    }
  });
});
