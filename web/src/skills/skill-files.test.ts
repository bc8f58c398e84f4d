import { describe, expect, it } from 'vitest';
import { skillFiles, skillPath } from './skill-files';

describe('skill folder upload', () => {
  it('drops the folder name and hidden files, and encodes bytes as base64', () => {
    expect(skillPath('deploy/SKILL.md')).toBe('SKILL.md');
    expect(skillPath('SKILL.md')).toBe('SKILL.md');
    const files = skillFiles([
      { path: 'deploy/SKILL.md', bytes: new TextEncoder().encode('# Deploy') },
      { path: 'deploy/scripts/run.sh', bytes: new Uint8Array([0, 255]) },
      { path: 'deploy/.git/config', bytes: new Uint8Array([1]) },
    ]);
    expect(files).toEqual([
      { path: 'SKILL.md', contentBase64: Buffer.from('# Deploy').toString('base64'), executable: false },
      { path: 'scripts/run.sh', contentBase64: 'AP8=', executable: true },
    ]);
  });
});
