import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSkills } from './skills.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'skills-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('writeSkills', () => {
  it('writes NAME/SKILL.md and nested files', async () => {
    const root = path.join(dir, '.claude', 'skills');
    await writeSkills(root, { greet: [{ path: 'SKILL.md', content: '---\nname: greet\n---\nSay hi' }, { path: 'scripts/run.sh', content: 'echo hi' }] });
    expect(await readFile(path.join(root, 'greet', 'SKILL.md'), 'utf8')).toContain('Say hi');
    expect(await readFile(path.join(root, 'greet', 'scripts', 'run.sh'), 'utf8')).toBe('echo hi');
  });

  it('refuses paths leaving the skill folder and writes nothing', async () => {
    const root = path.join(dir, 'skills');
    await expect(writeSkills(root, { ok: [{ path: 'SKILL.md', content: 'x' }], evil: [{ path: 'SKILL.md', content: 'x' }, { path: '../ok/SKILL.md', content: 'pwned' }] })).rejects.toThrow(/leaves the skill folder/);
    await expect(writeSkills(root, { evil: [{ path: 'SKILL.md', content: 'x' }, { path: '/etc/passwd', content: 'x' }] })).rejects.toThrow(/leaves/);
    await expect(readdir(root)).rejects.toThrow();
  });

  it('requires a SKILL.md', async () => {
    await expect(writeSkills(dir, { empty: [{ path: 'notes.md', content: 'x' }] })).rejects.toThrow(/no SKILL.md/);
  });
});
