/**
 * Skills of a project: versioned folders (SKILL.md + files) with content hashes. Importing the
 * same content again changes nothing; different content makes a new version. Built-in skills
 * ship in the bundle and are installed into each project (and upgraded when the bundle's
 * content changes). Binding to workflows is a workflow edit (../workflows/bindings.ts).
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import {
  conflict,
  notFound,
  skillExportInput,
  skillImportInput,
  skillSetEnabledInput,
  type SkillFileInput,
} from '@openase/shared';
import type { z } from 'zod';
import { skills, skillVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { appendVersion } from '../kernel/versions.js';
import type { Changes } from '../kernel/transaction.js';
import { inProjectAs, projectInput, type ProjectRow, type ProjectNeed } from '../auth/project-write.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { versionOf } from '../kernel/lookups.js';
import { BUILTIN_SKILLS, PLATFORM_SKILL } from './builtin/index.js';
import { checkSkillFiles, skillRuns, type CheckedSkill, type SkillFile } from './files.js';
import { requireExec } from '../auth/permissions.js';
import { lockName } from '../db/name-lock.js';

/** What each change here needs of the actor in its project (auth/project-write.ts). */
const IMPORT_SKILLS: ProjectNeed = { min: 'member', what: 'import skills' };
const ENABLE_OR_DISABLE: ProjectNeed = { min: 'member', what: 'enable or disable skills' };

export type Skill = typeof skills.$inferSelect;
export type SkillVersion = typeof skillVersions.$inferSelect;

export interface SkillView extends Skill {
  version: number;
  contentHash: string;
  /** Bound to every workflow by the platform (the `openase` skill agents use the CLI with); binding only pins it. */
  everyWorkflow: boolean;
}

const skillView = (skill: Skill, version: number, contentHash: string): SkillView => ({
  ...skill,
  version,
  contentHash,
  everyWorkflow: skill.name === PLATFORM_SKILL,
});

export async function resolveSkill(db: DbOrTx, projectId: string, name: string): Promise<Skill> {
  const [skill] = await db
    .select()
    .from(skills)
    .where(and(eq(skills.projectId, projectId), eq(skills.name, name.trim())));
  if (!skill) throw notFound(`skill "${name}" does not exist in this project; \`openase skill list\` shows the skills`);
  return skill;
}

export async function skillVersion(db: DbOrTx, skill: Skill, version?: number): Promise<SkillVersion> {
  const condition = versionOf(skillVersions, skillVersions.skillId, skill, version);
  const [row] = await db.select().from(skillVersions).where(condition);
  if (!row) throw notFound(`skill ${skill.name} has no version ${version}; it has versions 1–${skill.versionSeq}`);
  return row;
}

export async function listSkills(db: DbOrTx, orgId: string, projectRef: string): Promise<SkillView[]> {
  const project = await resolveProject(db, orgId, projectRef);
  const rows = await db
    .select({ skill: skills, version: skillVersions.version, contentHash: skillVersions.contentHash })
    .from(skills)
    .innerJoin(skillVersions, eq(skillVersions.id, skills.currentVersionId))
    .where(eq(skills.projectId, project.id))
    .orderBy(desc(skills.builtin), asc(skills.name));
  return rows.map((r) => skillView(r.skill, r.version, r.contentHash));
}

export async function showSkill(db: DbOrTx, orgId: string, raw: z.input<typeof skillExportInput>) {
  const input = skillExportInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const skill = await resolveSkill(db, project.id, input.skill);
  const version = await skillVersion(db, skill, input.version);
  const versions = await db
    .select({
      version: skillVersions.version,
      contentHash: skillVersions.contentHash,
      createdBy: skillVersions.createdBy,
      createdAt: skillVersions.createdAt,
    })
    .from(skillVersions)
    .where(eq(skillVersions.skillId, skill.id))
    .orderBy(asc(skillVersions.version));
  const files = (version.files as SkillFile[]).map(({ contentBase64: _c, ...meta }) => meta);
  return { ...skill, version: version.version, contentHash: version.contentHash, files, versions };
}

/** The files of a version, for `skill export` and for writing into a run's workspace. */
export async function exportSkill(db: DbOrTx, orgId: string, raw: z.input<typeof skillExportInput>) {
  const input = skillExportInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  const skill = await resolveSkill(db, project.id, input.skill);
  const version = await skillVersion(db, skill, input.version);
  return {
    name: skill.name,
    version: version.version,
    contentHash: version.contentHash,
    files: version.files as SkillFile[],
  };
}

export type SkillImported = SkillView & { changed: boolean };

export const importSkill: Command<typeof skillImportInput, SkillImported> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, IMPORT_SKILLS, skillImportInput, raw);
  const checked = checkSkillFiles(input.files);
  if (BUILTIN_SKILLS.some((b) => b.name === checked.name))
    throw conflict(`"${checked.name}" is a built-in skill name; give your skill another name in SKILL.md`);
  return inProjectWithSkills(
    deps,
    actor,
    input.project,
    async (tx, changes, project) => {
      return saveSkill(tx, deps, changes, actor, project.id, checked, false);
    },
    IMPORT_SKILLS,
  );
};

async function saveSkill(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  projectId: string,
  checked: CheckedSkill,
  builtin: boolean,
): Promise<SkillView & { changed: boolean }> {
  const now = deps.clock.now();
  await lockName(tx, 'skill', projectId, checked.name);
  let [skill] = await tx
    .select()
    .from(skills)
    .where(and(eq(skills.projectId, projectId), eq(skills.name, checked.name)))
    .for('update');
  let runsBefore: string | null = null;
  if (skill) {
    const current = await skillVersion(tx, skill);
    if (current.contentHash === checked.contentHash)
      return { ...skillView(skill, current.version, current.contentHash), changed: false };
    runsBefore = skillRuns(current.files as SkillFile[]);
  }
  // What runs may call any file of the skill: every new version of a skill that runs something needs the grant.
  if (!builtin && checked.runs !== null)
    requireExec(
      actor,
      'workflows.hooks',
      `${runsBefore === null ? 'give' : 'change'} skill ${checked.name}, which runs code by itself (hooks or !\`commands\`)`,
    );
  const runsChanged = !builtin && checked.runs !== runsBefore;
  if (!skill) {
    skill = await insertNew(tx, deps, skills, {
      projectId,
      name: checked.name,
      description: checked.description,
      builtin,
      createdAt: now,
      updatedAt: now,
    });
  }
  const { number: version, owner: updated } = await appendVersion(tx, deps, {
    table: skills,
    owner: skill!,
    versions: skillVersions,
    values: (number) => ({
      skillId: skill!.id,
      version: number,
      contentHash: checked.contentHash,
      files: checked.files,
      createdBy: actor.name,
      createdAt: now,
    }),
    ownerChanges: { description: checked.description, updatedAt: now },
  });
  await recordActivity(tx, deps, changes, actor, {
    projectId,
    action: version === 1 ? 'skill.created' : 'skill.versioned',
    entityType: 'skill',
    entityId: skill!.id,
    summary: `${version === 1 ? 'imported' : 'updated'} ${builtin ? 'built-in ' : ''}skill ${checked.name} (version ${version}, ${checked.files.length} file(s))`,
    after: { version, contentHash: checked.contentHash, files: checked.files.map((f) => f.path) },
  });
  if (runsChanged)
    await recordActivity(tx, deps, changes, actor, {
      projectId,
      action: 'skill.hooks_changed',
      entityType: 'skill',
      entityId: skill!.id,
      summary: `changed what skill ${checked.name} runs (its hooks or !\`commands\`; version ${version})`,
      before: { runs: runsBefore },
      after: { runs: checked.runs },
    });
  return { ...skillView(updated!, version, checked.contentHash), changed: true };
}

const BUILTIN_CHECKED: CheckedSkill[] = BUILTIN_SKILLS.map((b) => {
  const checked = checkSkillFiles(
    b.files.map((f): SkillFileInput => ({
      path: f.path,
      contentBase64: Buffer.from(f.content, 'utf8').toString('base64'),
      executable: f.executable,
    })),
  );
  if (checked.name !== b.name) throw new Error(`built-in skill ${b.name} declares name ${checked.name}`);
  return checked;
});

/** Installs missing built-in skills into a project and upgrades changed ones (new version). Idempotent. */
export async function ensureBuiltinSkills(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  projectId: string,
): Promise<void> {
  for (const checked of BUILTIN_CHECKED) await saveSkill(tx, deps, changes, actor, projectId, checked, true);
}

/** `inProject`, with the project's built-in skills installed or upgraded first (workflows and skills look at them). */
export function inProjectWithSkills<T>(
  deps: Deps,
  actor: Actor,
  ref: string,
  work: (tx: Tx, changes: Changes, project: ProjectRow) => Promise<T>,
  need: ProjectNeed | null = null,
): Promise<T> {
  return inProjectAs(deps, actor, need, ref, async (tx, changes, project) => {
    await ensureBuiltinSkills(tx, deps, changes, actor, project.id);
    return work(tx, changes, project);
  });
}

export const setSkillEnabled: Command<typeof skillSetEnabledInput, Skill> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, ENABLE_OR_DISABLE, skillSetEnabledInput, raw);
  return inProjectWithSkills(
    deps,
    actor,
    input.project,
    async (tx, changes, project) => {
      const skill = await resolveSkill(tx, project.id, input.skill);
      if (skill.enabled === input.enabled) return skill;
      const [updated] = await tx
        .update(skills)
        .set({ enabled: input.enabled, updatedAt: deps.clock.now() })
        .where(eq(skills.id, skill.id))
        .returning();
      await recordActivity(tx, deps, changes, actor, {
        projectId: project.id,
        action: input.enabled ? 'skill.enabled' : 'skill.disabled',
        entityType: 'skill',
        entityId: skill.id,
        summary: `${input.enabled ? 'enabled' : 'disabled'} skill ${skill.name}`,
        before: { enabled: skill.enabled },
        after: { enabled: input.enabled },
      });
      return updated!;
    },
    ENABLE_OR_DISABLE,
  );
};
