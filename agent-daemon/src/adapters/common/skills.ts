import path from 'node:path';
import { badRequest } from '@openase/shared/errors';
import type { AgentRunSpec } from '@openase/shared/protocol/agent-spec';
import { writeFileNoFollow } from '../../workspace/no-follow.js';

/**
 * Writes the run's skills into a CLI's own skills folder as `NAME/SKILL.md` plus files (their
 * exact bytes; executables mode 0755, the rest 0644). Every
 * path is resolved and must stay inside `NAME/`: `..`, absolute paths and NUL bytes are refused
 * before anything is written, and no link below `skillsRoot` is followed (no-follow.ts: the folder is the
 * agent's to write). Returns the folders written.
 */
export async function writeSkills(skillsRoot: string, skills: AgentRunSpec['skills']): Promise<string[]> {
  const planned: { file: string; bytes: Buffer; executable: boolean }[] = [];
  const folders: string[] = [];
  for (const [name, files] of Object.entries(skills)) {
    const folder = path.resolve(skillsRoot, name);
    if (path.dirname(folder) !== path.resolve(skillsRoot))
      throw badRequest(`skill name "${name}" is not a plain folder name`);
    if (!files.some((file) => path.normalize(file.path) === 'SKILL.md'))
      throw badRequest(`skill "${name}" has no SKILL.md`);
    for (const file of files) {
      const target = path.resolve(folder, file.path);
      if (file.path.includes('\0') || path.isAbsolute(file.path) || !target.startsWith(folder + path.sep)) {
        throw badRequest(`skill "${name}": file path "${file.path}" leaves the skill folder`);
      }
      planned.push({ file: target, bytes: Buffer.from(file.contentBase64, 'base64'), executable: file.executable });
    }
    folders.push(folder);
  }
  for (const { file, bytes, executable } of planned) {
    await writeFileNoFollow(skillsRoot, file, bytes, executable ? 0o755 : 0o644);
  }
  return folders;
}
