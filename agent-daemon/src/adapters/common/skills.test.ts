import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skillFile } from '../../../test-support/skill-files.js';
import { writeSkills } from './skills.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skills-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeSkills', () => {
  it('writes NAME/SKILL.md and nested files', async () => {
    const root = path.join(dir, '.claude', 'skills');
    await writeSkills(root, {
      greet: [skillFile('SKILL.md', '---\nname: greet\n---\nSay hi'), skillFile('scripts/run.sh', 'echo hi')],
    });
    expect(await readFile(path.join(root, 'greet', 'SKILL.md'), 'utf8')).toContain('Say hi');
    expect(await readFile(path.join(root, 'greet', 'scripts', 'run.sh'), 'utf8')).toBe('echo hi');
  });

  it('writes the exact bytes of binary files and the executable bit of scripts', async () => {
    const binary = Buffer.from([0x00, 0xff, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xc3, 0x28]);
    await writeSkills(dir, {
      tool: [
        skillFile('SKILL.md', 'Run scripts/check.sh'),
        skillFile('scripts/check.sh', '#!/bin/sh\necho ok\n', true),
        { path: 'assets/logo.png', contentBase64: binary.toString('base64'), executable: false },
      ],
    });
    expect(await readFile(path.join(dir, 'tool', 'assets', 'logo.png'))).toEqual(binary);
    expect((await stat(path.join(dir, 'tool', 'scripts', 'check.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(dir, 'tool', 'SKILL.md'))).mode & 0o777).toBe(0o644);
  });

  it('refuses paths leaving the skill folder and writes nothing', async () => {
    const root = path.join(dir, 'skills');
    await expect(
      writeSkills(root, {
        ok: [skillFile('SKILL.md', 'x')],
        evil: [skillFile('SKILL.md', 'x'), skillFile('../ok/SKILL.md', 'pwned')],
      }),
    ).rejects.toThrow(/leaves the skill folder/);
    await expect(
      writeSkills(root, { evil: [skillFile('SKILL.md', 'x'), skillFile('/etc/passwd', 'x')] }),
    ).rejects.toThrow(/leaves/);
    await expect(readdir(root)).rejects.toThrow();
  });

  it('requires a SKILL.md', async () => {
    await expect(writeSkills(dir, { empty: [skillFile('notes.md', 'x')] })).rejects.toThrow(/no SKILL.md/);
  });
});
