/**
 * Binding a skill to a workflow edits the workflow's `skills:` list (a new version), so the
 * file stays the one source of truth and export shows the binding.
 */
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { badRequest, skillBindInput, skillUnbindInput } from '@openase/shared';
import type { z } from 'zod';
import type { Actor, Deps } from '../kernel/context.js';
import { PLATFORM_SKILL } from '../skills/builtin/index.js';
import { editWorkflow, workflowInput } from './workflows.js';

function entryName(item: unknown): string | null {
  if (isScalar(item)) return String(item.value);
  if (isMap(item)) return String(item.get('name'));
  return null;
}

function skillsSeq(doc: Document) {
  const seq = doc.get('skills', true);
  return isSeq(seq) ? seq : null;
}

export async function bindSkill(deps: Deps, actor: Actor, raw: z.input<typeof skillBindInput>) {
  const input = await workflowInput(deps, actor, 'change workflows', skillBindInput, raw);
  if (input.skill === PLATFORM_SKILL && input.version === undefined)
    throw badRequest(`${PLATFORM_SKILL} is bound to every workflow already; bind it only to pin a version`);
  return editWorkflow(deps, actor, { project: input.project, workflow: input.workflow }, (doc) => {
    const value = input.version === undefined ? input.skill : { name: input.skill, version: input.version };
    const seq = skillsSeq(doc);
    if (!seq) {
      doc.set('skills', doc.createNode([value]));
      return;
    }
    const index = seq.items.findIndex((item) => entryName(item) === input.skill);
    if (index === -1) seq.add(doc.createNode(value));
    else seq.items[index] = doc.createNode(value);
  });
}

export async function unbindSkill(deps: Deps, actor: Actor, raw: z.input<typeof skillUnbindInput>) {
  const input = await workflowInput(deps, actor, 'change workflows', skillUnbindInput, raw);
  return editWorkflow(deps, actor, { project: input.project, workflow: input.workflow }, (doc) => {
    const seq = skillsSeq(doc);
    const index = seq ? seq.items.findIndex((item) => entryName(item) === input.skill) : -1;
    if (!seq || index === -1)
      throw badRequest(
        `skill ${input.skill} is not bound to workflow ${input.workflow}${input.skill === PLATFORM_SKILL ? ' (the platform skill is auto-bound and cannot be unbound)' : ''}`,
      );
    seq.items.splice(index, 1);
    if (seq.items.length === 0) doc.delete('skills');
  });
}
