/**
 * Validation and hashing of a skill's files. Limits (LIMITS in shared, documented in
 * docs/workflows.md): at most 200 files, 256 KiB per file, 1 MiB per skill, paths of at most 255
 * characters. A path is relative, uses `/`, and has no `..` or `.` segment, no empty segment, no
 * backslash, NUL or control character; two paths may not differ only in case.
 */
import { createHash } from 'node:crypto';
import { LIMITS, OpenaseError, skillNameSchema, type SkillFileInput } from '@openase/shared';
import { parseFrontMatterYaml, splitFrontMatter, yamlData } from '../kernel/frontmatter.js';
import { canonicalJson } from '../kernel/rows.js';

export interface SkillFile {
  path: string;
  contentBase64: string;
  sha256: string;
  size: number;
  executable: boolean;
}

export interface CheckedSkill {
  name: string;
  description: string;
  files: SkillFile[];
  contentHash: string;
  /** What the skill makes its agent's CLI run by itself (skillRuns), or null. */
  runs: string | null;
}

const invalid = (message: string) => new OpenaseError('VALIDATION_FAILED', message);

export function checkSkillPath(path: string): string | null {
  if (path.length === 0) return 'a file path is empty';
  if (path.length > LIMITS.skillPathMax)
    return `path "${path.slice(0, 60)}…" is longer than ${LIMITS.skillPathMax} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return `path ${JSON.stringify(path)} contains a NUL or control character`;
  if (path.includes('\\')) return `path "${path}" contains a backslash; use / between folders`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
    return `path "${path}" is absolute; paths are relative to the skill folder`;
  for (const segment of path.split('/')) {
    if (segment === '..') return `path "${path}" contains ".."; a skill cannot reach outside its folder`;
    if (segment === '' || segment === '.') return `path "${path}" has an empty or "." segment`;
  }
  return null;
}

/** Validates files (as sent by the CLI or the web), reads SKILL.md's front matter, hashes everything. */
export function checkSkillFiles(inputs: readonly SkillFileInput[]): CheckedSkill {
  const files: SkillFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const input of inputs) {
    const problem = checkSkillPath(input.path);
    if (problem) throw invalid(problem);
    const lower = input.path.toLowerCase();
    if (seen.has(lower)) throw invalid(`path "${input.path}" appears twice (paths are compared without case)`);
    seen.add(lower);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.contentBase64)) throw invalid(`${input.path}: content is not base64`);
    const bytes = Buffer.from(input.contentBase64, 'base64');
    if (bytes.length > LIMITS.skillFileMax)
      throw new OpenaseError(
        'PAYLOAD_TOO_LARGE',
        `${input.path} is ${bytes.length} bytes; a skill file has at most ${LIMITS.skillFileMax} bytes`,
      );
    total += bytes.length;
    if (total > LIMITS.skillTotalMax)
      throw new OpenaseError(
        'PAYLOAD_TOO_LARGE',
        `the skill's files add up to more than ${LIMITS.skillTotalMax} bytes`,
      );
    files.push({
      path: input.path,
      contentBase64: bytes.toString('base64'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      executable: input.executable ?? false,
    });
  }
  if (files.length > LIMITS.skillFilesMax) throw invalid(`a skill has at most ${LIMITS.skillFilesMax} files`);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const skillMd = files.find((f) => f.path === 'SKILL.md');
  if (!skillMd) throw invalid('a skill folder needs a SKILL.md at its top level');
  const meta = readSkillMeta(Buffer.from(skillMd.contentBase64, 'base64').toString('utf8'));
  return { ...meta, files, contentHash: contentHash(files), runs: skillRuns(files) };
}

/** One hash over every path, mode and content: equal hashes mean identical skills. */
export function contentHash(files: readonly SkillFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\u0000${f.executable ? 'x' : '-'}\u0000${f.sha256}\n`);
  return hash.digest('hex');
}

/** SKILL.md's front matter as data, or the reason it cannot be read. */
function frontMatterOf(text: string): { data: Record<string, unknown> | null } | { problem: string } {
  const split = splitFrontMatter(text);
  if ('message' in split) return { problem: `SKILL.md: ${split.message.replace('a harness file', 'SKILL.md')}` };
  const yaml = parseFrontMatterYaml(split);
  if (yaml.problems.length) return { problem: `SKILL.md line ${yaml.problems[0]!.line}: ${yaml.problems[0]!.message}` };
  const read = yamlData(yaml.doc);
  if (!read.ok) return { problem: `SKILL.md: ${read.problem.message}` };
  return { data: read.data as Record<string, unknown> | null };
}

/**
 * What a skill makes Claude Code run without the model choosing to: the `hooks:` of SKILL.md's
 * front matter (commands on the CLI's events while the skill is active), each !`command` and each
 * ```! block in SKILL.md (run when the skill loads, the output put in the text). As canonical JSON,
 * for the activity log; null when the skill runs nothing. Read wide on purpose: a `hooks` key the
 * YAML here does not resolve (a merge key, an alias) counts as the front matter's text. A skill that
 * runs something runs its files too (`sh ${CLAUDE_SKILL_DIR}/check.sh`), so every new version of
 * one needs the grant (saveSkill).
 */
export function skillRuns(files: readonly SkillFile[]): string | null {
  const skillMd = files.find((f) => f.path === 'SKILL.md');
  if (!skillMd) return null;
  const text = Buffer.from(skillMd.contentBase64, 'base64').toString('utf8');
  const split = splitFrontMatter(text);
  const frontText = 'yamlText' in split ? split.yamlText : '';
  const front = frontMatterOf(text);
  const parsed = 'data' in front ? (front.data?.hooks ?? null) : null;
  const hooks = parsed ?? (/(^|[\s{,'"])hooks['"]?\s*:/m.test(frontText) ? frontText : null);
  const commands = [
    ...[...text.matchAll(/!`([^`]+)`/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^[ \t]*(```|~~~)!.*$[\s\S]*?(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm)].map((m) => m[0].trim()),
  ];
  return hooks === null && !commands.length ? null : canonicalJson({ hooks, commands });
}

function readSkillMeta(text: string): { name: string; description: string } {
  const front = frontMatterOf(text);
  if ('problem' in front) throw invalid(front.problem);
  const data = front.data as { name?: unknown; description?: unknown } | null;
  const name = skillNameSchema.safeParse(data?.name);
  if (!name.success)
    throw invalid(
      `SKILL.md: \`name:\` must be ${name.error.issues[0]?.message ?? 'a skill name'} (got ${JSON.stringify(data?.name ?? null)})`,
    );
  if (typeof data?.description !== 'string' || !data.description.trim())
    throw invalid('SKILL.md: `description:` is required (one line saying when to use the skill)');
  if (data.description.length > 1024) throw invalid('SKILL.md: `description:` has at most 1024 characters');
  return { name: name.data, description: data.description.trim() };
}
