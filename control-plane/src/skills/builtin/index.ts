/**
 * The built-in skills, shipped inside the bundle: each file is imported as text (`?raw`, which
 * vitest understands and build.mjs's raw-text plugin bundles), so `npm start` needs no files
 * beside the bundle. `openase-platform` is bound to every workflow automatically.
 */
// Named here, not only in tsconfig, so that packages compiling this file (test-kit) know `?raw` too.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration, nothing to import
/// <reference path="../../raw-imports.d.ts" />
import openasePlatform from './openase-platform/SKILL.md?raw';
import commit from './commit/SKILL.md?raw';
import createPr from './create-pr/SKILL.md?raw';
import writeTests from './write-tests/SKILL.md?raw';
import reviewCode from './review-code/SKILL.md?raw';

export interface BuiltinSkill {
  name: string;
  files: Array<{ path: string; content: string; executable: boolean }>;
}

const skill = (name: string, skillMd: string): BuiltinSkill => ({
  name,
  files: [{ path: 'SKILL.md', content: skillMd, executable: false }],
});

export const PLATFORM_SKILL = 'openase-platform';

export const BUILTIN_SKILLS: readonly BuiltinSkill[] = [
  skill(PLATFORM_SKILL, openasePlatform),
  skill('commit', commit),
  skill('create-pr', createPr),
  skill('write-tests', writeTests),
  skill('review-code', reviewCode),
];
