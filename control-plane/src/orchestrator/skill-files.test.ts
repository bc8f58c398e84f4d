/** The skills a run is given (skillFiles, one query inside the claim): which skills, at which version, as stored. */
import { expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../projects/projects.js';
import { importSkill, setSkillEnabled } from '../skills/skills.js';
import { skills, skillVersions } from '../db/schema.js';
import type { SkillBinding } from '../workflows/validate-project.js';
import { skillFiles } from './job-spec.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const skillMd = (name: string) => `---\nname: ${name}\ndescription: ${name}.\n---\nDo ${name}.\n`;
const text = (files: Array<{ path: string; contentBase64: string }> | undefined, path: string) =>
  Buffer.from(files?.find((f) => f.path === path)?.contentBase64 ?? '', 'base64').toString('utf8');

forEachDatabase('skill files of a run', (get) => {
  it('gives bound skills at their pinned or current version, the platform skill always, never unbound or disabled ones', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Skilled' });
    const put = (name: string, note: string) =>
      importSkill(deps, admin, {
        project: 'skilled',
        files: [
          { path: 'SKILL.md', contentBase64: b64(skillMd(name)) },
          { path: 'note.txt', contentBase64: b64(note) },
        ],
      });
    for (const [name, note] of [
      ['pinned', 'v1'],
      ['pinned', 'v2'],
      ['current', 'v1'],
      ['current', 'v2'],
      ['unbound', 'v1'],
      ['off', 'v1'],
    ] as const)
      await put(name, note);
    await setSkillEnabled(deps, admin, { project: 'skilled', skill: 'off', enabled: false });
    const idOf = async (name: string) =>
      (
        await deps.db
          .select()
          .from(skills)
          .where(and(eq(skills.projectId, project.id), eq(skills.name, name)))
      )[0]!;
    const pinned = await idOf('pinned');
    const [first] = await deps.db
      .select()
      .from(skillVersions)
      .where(and(eq(skillVersions.skillId, pinned.id), eq(skillVersions.version, 1)));
    const bindings = [
      { skillId: pinned.id, versionId: first!.id },
      { skillId: (await idOf('current')).id, versionId: null },
      { skillId: (await idOf('off')).id, versionId: null },
    ] as SkillBinding[];
    const given = await skillFiles(deps.db, project.id, bindings);
    expect(Object.keys(given).sort()).toEqual(['current', 'openase-platform', 'pinned']);
    expect(text(given.pinned, 'note.txt')).toBe('v1');
    expect(text(given.current, 'note.txt')).toBe('v2');
    expect(text(given['openase-platform'], 'SKILL.md')).toMatch(/openase/);
    // Nothing bound: the platform skill alone.
    expect(Object.keys(await skillFiles(deps.db, project.id, []))).toEqual(['openase-platform']);
  });
});
