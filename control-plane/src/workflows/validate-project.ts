/**
 * Checks a parsed harness against a project: every pickup/finish status, the agent, each bound
 * skill (and pinned version) and each `tickets.move:<Status>` scope must exist. Returns what the
 * names resolved to (stored on the version) and every problem with its line.
 */
import { and, eq, sql } from 'drizzle-orm';
import { MOVE_TO_STATUS_SCOPE } from '@openase/shared';
import { agents, skills, skillVersions, statuses } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { ParsedHarness } from './harness/parse.js';
import type { Problem } from './harness/types.js';

export interface SkillBinding {
  skillId: string;
  name: string;
  /** Pinned version id, or null = the skill's current version at run time. */
  versionId: string | null;
  version: number | null;
}

export interface ResolvedHarness {
  agentId: string | null;
  pickupStatusIds: string[];
  finishStatusIds: string[];
  skills: SkillBinding[];
  /** The `merge:` step and `rework:` status as ids (null = no merge step; rework defaults to the first pickup). */
  merge: ResolvedMerge | null;
}

export interface ResolvedMerge {
  statusId: string | null;
  doneStatusId: string | null;
  reworkStatusId: string | null;
}

/** Reads a list field leniently: non-string items become null (their index is kept for line numbers). */
function strings(value: unknown): Array<string | null> {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : null)) : [];
}

/**
 * Works on the raw front matter, so a file with schema problems still gets its unknown statuses,
 * agent and skills reported in the same pass.
 */
export async function checkAgainstProject(
  db: DbOrTx,
  projectId: string,
  parsed: ParsedHarness,
): Promise<{ problems: Problem[]; resolved: ResolvedHarness }> {
  const problems: Problem[] = [];
  const raw = parsed.raw ?? {};
  const harness = {
    pickup: strings(raw.pickup),
    finish: strings(raw.finish),
    scopes: strings(raw.scopes),
    agent: typeof raw.agent === 'string' ? raw.agent : undefined,
    skills: Array.isArray(raw.skills) ? (raw.skills as unknown[]) : [],
  };
  const allStatuses = await db
    .select({ id: statuses.id, name: statuses.name })
    .from(statuses)
    .where(eq(statuses.projectId, projectId));
  const byName = new Map(allStatuses.map((s) => [s.name.toLowerCase(), s.id]));
  const known = allStatuses.map((s) => s.name).join(', ');
  const statusIds = (field: 'pickup' | 'finish') =>
    harness[field].flatMap((name, i) => {
      if (name === null) return [];
      const id = byName.get(name.trim().toLowerCase());
      if (!id)
        problems.push({
          line: parsed.lineOf([field, i]),
          field: `${field}[${i}]`,
          message: `unknown status "${name}"; this project has: ${known}`,
        });
      return id ? [id] : [];
    });
  const pickupStatusIds = statusIds('pickup');
  const finishStatusIds = statusIds('finish');
  const overlap = harness.pickup.filter(
    (p) => p !== null && harness.finish.some((f) => f !== null && f.toLowerCase() === p.toLowerCase()),
  );
  if (overlap.length)
    problems.push({
      line: parsed.lineOf(['finish']),
      field: 'finish',
      message: `"${overlap[0]}" is both a pickup and a finish status; a run would never end`,
    });
  harness.scopes.forEach((scope, i) => {
    if (
      scope !== null &&
      scope.startsWith(MOVE_TO_STATUS_SCOPE) &&
      !byName.has(scope.slice(MOVE_TO_STATUS_SCOPE.length).trim().toLowerCase())
    ) {
      problems.push({
        line: parsed.lineOf(['scopes', i]),
        field: `scopes[${i}]`,
        message: `unknown status in "${scope}"; this project has: ${known}`,
      });
    }
  });

  let agentId: string | null = null;
  let adapter: string | null = null;
  if (harness.agent) {
    const [agent] = await db
      .select({ id: agents.id, adapter: agents.adapter })
      .from(agents)
      .where(and(eq(agents.projectId, projectId), sql`lower(${agents.name}) = lower(${harness.agent})`));
    if (agent) [agentId, adapter] = [agent.id, agent.adapter];
    else {
      const names = (await db.select({ name: agents.name }).from(agents).where(eq(agents.projectId, projectId))).map(
        (a) => a.name,
      );
      problems.push({
        line: parsed.lineOf(['agent']),
        field: 'agent',
        message: `unknown agent "${harness.agent}"; ${names.length ? `this project has: ${names.join(', ')}` : 'create one with `openase agent create`'}`,
      });
    }
  }

  if (!harness.agent) {
    // No agent named: the project's only agent runs it.
    const only = await db.select({ adapter: agents.adapter }).from(agents).where(eq(agents.projectId, projectId));
    if (only.length === 1) adapter = only[0]!.adapter;
  }
  const ask = (raw.tools as { ask?: unknown } | undefined)?.ask;
  if (adapter === 'gemini' && Array.isArray(ask) && ask.length > 0)
    problems.push({
      line: parsed.lineOf(['tools', 'ask']),
      field: 'tools.ask',
      message:
        'Gemini CLI has no approval channel when it runs headless, so nobody could approve these calls; use tools.deny, or an agent on Claude Code or Codex',
    });

  const merge = checkMergeStep(parsed, raw, byName, known, { pickupStatusIds, finishStatusIds }, problems);

  const bindings: SkillBinding[] = [];
  for (const [i, entry] of harness.skills.entries()) {
    const name = typeof entry === 'string' ? entry : (entry as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') continue;
    const version = typeof entry === 'string' ? null : (entry as { version?: unknown }).version;
    const pinned = typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : null;
    const [skill] = await db
      .select({ id: skills.id })
      .from(skills)
      .where(and(eq(skills.projectId, projectId), eq(skills.name, name)));
    if (!skill) {
      problems.push({
        line: parsed.lineOf(['skills', i]),
        field: `skills[${i}]`,
        message: `unknown skill "${name}"; import it with \`openase skill import DIR\``,
      });
      continue;
    }
    if (bindings.some((b) => b.skillId === skill.id)) {
      problems.push({
        line: parsed.lineOf(['skills', i]),
        field: `skills[${i}]`,
        message: `skill "${name}" is listed twice`,
      });
      continue;
    }
    let versionId: string | null = null;
    if (pinned !== null) {
      const [v] = await db
        .select({ id: skillVersions.id })
        .from(skillVersions)
        .where(and(eq(skillVersions.skillId, skill.id), eq(skillVersions.version, pinned)));
      if (!v)
        problems.push({
          line: parsed.lineOf(['skills', i, 'version']),
          field: `skills[${i}].version`,
          message: `skill "${name}" has no version ${pinned}`,
        });
      versionId = v?.id ?? null;
    }
    bindings.push({ skillId: skill.id, name, versionId, version: pinned });
  }
  return { problems, resolved: { agentId, pickupStatusIds, finishStatusIds, skills: bindings, merge } };
}

/** `merge: {status, done}` and `rework:` name statuses of the project, in the roles they can play. */
function checkMergeStep(
  parsed: ParsedHarness,
  raw: Record<string, unknown>,
  byName: Map<string, string>,
  known: string,
  flow: { pickupStatusIds: string[]; finishStatusIds: string[] },
  problems: Problem[],
): ResolvedMerge | null {
  const mergeRaw = (raw.merge ?? null) as { status?: unknown; done?: unknown } | null;
  const resolve = (value: unknown, path: Array<string>, role: string): string | null => {
    if (typeof value !== 'string') return null;
    const id = byName.get(value.trim().toLowerCase());
    if (!id) {
      problems.push({
        line: parsed.lineOf(path),
        field: path.join('.'),
        message: `unknown status "${value}"; this project has: ${known}`,
      });
      return null;
    }
    const clash = flow.pickupStatusIds.includes(id) ? 'pickup' : flow.finishStatusIds.includes(id) ? 'finish' : null;
    if (clash && role !== 'rework')
      problems.push({
        line: parsed.lineOf(path),
        field: path.join('.'),
        message: `"${value}" is a ${clash} status; the ${role} status must be a status of its own`,
      });
    if (role === 'rework' && !flow.pickupStatusIds.includes(id))
      problems.push({
        line: parsed.lineOf(path),
        field: path.join('.'),
        message: `"${value}" is not a pickup status of this workflow; reworked tickets must be picked up again`,
      });
    return id;
  };
  const reworkStatusId = resolve(raw.rework, ['rework'], 'rework');
  if (!mergeRaw || typeof mergeRaw !== 'object')
    return reworkStatusId ? { statusId: null, doneStatusId: null, reworkStatusId } : null;
  const statusId = resolve(mergeRaw.status, ['merge', 'status'], 'merge');
  const doneStatusId = resolve(mergeRaw.done, ['merge', 'done'], 'done');
  if (statusId && statusId === doneStatusId)
    problems.push({
      line: parsed.lineOf(['merge', 'done']),
      field: 'merge.done',
      message: 'the done status must differ from the merge status',
    });
  return { statusId, doneStatusId, reworkStatusId };
}
