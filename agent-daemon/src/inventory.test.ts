import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandChecks, detectClis, findOnPath } from './inventory.js';

describe('CLI inventory', () => {
  it('finds executables on PATH and reads their --version', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'inv-'));
    const script = (name: string, body: string) => {
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    };
    script('claude', 'echo "2.1.3 (Claude Code)"');
    script('codex', 'echo "codex-cli 0.45.0"');
    script('gemini', 'exit 3'); // installed but broken: listed without a version
    fs.writeFileSync(path.join(bin, 'git'), 'not executable', { mode: 0o644 });
    const found = await detectClis(['claude', 'codex', 'gemini', 'git'], bin);
    expect(found).toEqual([
      { name: 'claude', path: path.join(bin, 'claude'), version: '2.1.3' },
      { name: 'codex', path: path.join(bin, 'codex'), version: '0.45.0' },
      { name: 'gemini', path: path.join(bin, 'gemini'), version: null },
    ]);
    expect(findOnPath('git', bin)).toBeNull();
  });

  it("checks an agent's own command (a script at a path, a name on PATH) again at every report", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inv-'));
    const bot = path.join(dir, 'bot.sh');
    const checks = new CommandChecks();
    expect(checks.check(bot, '')).toBe(false);
    expect(checks.check('my-bot', dir)).toBe(false);
    expect(checks.check('./relative/in-the-worktree.sh', '')).toBe(true);
    fs.writeFileSync(bot, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'my-bot'), '#!/bin/sh\n', { mode: 0o755 });
    expect(checks.report()).toEqual([
      { command: bot, found: true },
      { command: 'my-bot', found: true },
      { command: './relative/in-the-worktree.sh', found: true },
    ]);
  });
});
