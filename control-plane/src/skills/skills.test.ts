import { describe, expect, it } from 'vitest';
import { LIMITS } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { checkSkillPath } from './files.js';
import { exportSkill, importSkill, listSkills, setSkillEnabled, showSkill } from './skills.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const SKILL_MD = '---\nname: deploy-docs\ndescription: Publish the docs site.\n---\nRun `make docs`.\n';

describe('skill paths', () => {
  it('refuses traversal, absolute paths, backslashes, NUL and empty segments', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\b', 'a\u0000b', 'a//b', './a', ''])
      expect(checkSkillPath(bad), bad).not.toBeNull();
    for (const good of ['SKILL.md', 'scripts/run.sh', 'a/b/c.txt', '..hidden'])
      expect(checkSkillPath(good), good).toBeNull();
  });
});

forEachDatabase('skills', (get) => {
  it('installs the built-in skills into a new project', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Builtins' });
    const skills = await listSkills(deps.db, admin.orgId, 'builtins');
    expect(skills.map((s) => `${s.name}:${s.builtin}:${s.version}`)).toEqual([
      'commit:true:1',
      'create-pr:true:1',
      'openase-platform:true:1',
      'review-code:true:1',
      'write-tests:true:1',
    ]);
    const platform = await exportSkill(deps.db, admin.orgId, { project: 'builtins', skill: 'openase-platform' });
    const text = Buffer.from(platform.files[0]!.contentBase64, 'base64').toString('utf8');
    expect(text).toContain('"$OPENASE_WORKSPACE/.openase/bin/openase" ticket comment');
    expect(text).toMatch(/ticket move/);
    expect(text).toMatch(/--parent "\$OPENASE_TICKET"/);
    expect(text).toMatch(/ticket progress/);
  });

  it('imports, versions by content hash, exports byte for byte, enables and disables', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Sk' });
    const script = Buffer.from([0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0xff, 0x00]);
    const files = [
      { path: 'SKILL.md', contentBase64: b64(SKILL_MD) },
      { path: 'scripts/publish.sh', contentBase64: script.toString('base64'), executable: true },
    ];
    const first = await importSkill(deps, admin, { project: 'sk', files });
    expect(first).toMatchObject({
      name: 'deploy-docs',
      description: 'Publish the docs site.',
      version: 1,
      changed: true,
      builtin: false,
    });
    expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await importSkill(deps, admin, { project: 'sk', files: [...files].reverse() })).toMatchObject({
      version: 1,
      changed: false,
    });
    const second = await importSkill(deps, admin, {
      project: 'sk',
      files: [files[0]!, { ...files[1]!, executable: false }],
    });
    expect(second).toMatchObject({ version: 2, changed: true });
    expect(second.contentHash).not.toBe(first.contentHash);
    const v1 = await exportSkill(deps.db, admin.orgId, { project: 'sk', skill: 'deploy-docs', version: 1 });
    expect(
      Buffer.from(v1.files.find((f) => f.path === 'scripts/publish.sh')!.contentBase64, 'base64').equals(script),
    ).toBe(true);
    expect(v1.files.find((f) => f.path === 'scripts/publish.sh')!.executable).toBe(true);
    const shown = await showSkill(deps.db, admin.orgId, { project: 'sk', skill: 'deploy-docs' });
    expect(shown.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(JSON.stringify(shown.files)).not.toContain('contentBase64');
    expect((await setSkillEnabled(deps, admin, { project: 'sk', skill: 'deploy-docs', enabled: false })).enabled).toBe(
      false,
    );
    expect((await listSkills(deps.db, admin.orgId, 'sk')).find((s) => s.name === 'deploy-docs')!.enabled).toBe(false);
  });

  it('refuses traversal, oversized files, a missing or broken SKILL.md and built-in names with clear errors', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Bad' });
    const md = { path: 'SKILL.md', contentBase64: b64(SKILL_MD) };
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [md, { path: '../../.bashrc', contentBase64: b64('x') }] }),
      'VALIDATION_FAILED',
      /contains ".."; a skill cannot reach outside its folder/,
    );
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [md, { path: '/etc/cron.d/x', contentBase64: b64('x') }] }),
      'VALIDATION_FAILED',
      /is absolute/,
    );
    const big = Buffer.alloc(LIMITS.skillFileMax + 1, 0x61).toString('base64');
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [md, { path: 'big.bin', contentBase64: big }] }),
      'PAYLOAD_TOO_LARGE',
      /at most 262144 bytes/,
    );
    const almost = Buffer.alloc(LIMITS.skillFileMax, 0x61).toString('base64');
    const many = Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.bin`, contentBase64: almost }));
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [md, ...many] }),
      'PAYLOAD_TOO_LARGE',
      /more than 524288 bytes/,
    );
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [{ path: 'README.md', contentBase64: b64('x') }] }),
      'VALIDATION_FAILED',
      /needs a SKILL.md/,
    );
    await expectCode(
      importSkill(deps, admin, {
        project: 'bad',
        files: [{ path: 'SKILL.md', contentBase64: b64('---\nname: Bad Name\ndescription: x\n---\n') }],
      }),
      'VALIDATION_FAILED',
      /`name:` must be/,
    );
    await expectCode(
      importSkill(deps, admin, {
        project: 'bad',
        files: [{ path: 'SKILL.md', contentBase64: b64('---\nname: commit\ndescription: mine\n---\n') }],
      }),
      'CONFLICT',
      /built-in skill name/,
    );
    await expectCode(
      importSkill(deps, admin, { project: 'bad', files: [md, { path: 'skill.md', contentBase64: b64('x') }] }),
      'VALIDATION_FAILED',
      /appears twice/,
    );
    expect((await listSkills(deps.db, admin.orgId, 'bad')).filter((s) => !s.builtin)).toEqual([]);
  });
});
