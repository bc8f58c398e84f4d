/**
 * What the signed-in person may change, for the console's controls. The server decides (every procedure checks
 * the role, api/procedure-roles.ts); the console only disables what would be refused and says why, in words.
 */
import type { Directive } from 'vue';
import { roleAtLeast, type Role } from '@openase/shared';
import { useSession } from './session';

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer' };

/** What each role may do, in one line, for the people page and the invitation form. */
export const ROLE_HINTS: Record<Role, string> = {
  owner: 'everything, including sign-in settings',
  admin: 'people, agents, workflows, machines and commands on them, statuses and settings',
  member: 'tickets, comments, runs, skills and Project AI',
  viewer: 'reads everything, changes nothing',
};

function currentRole(): Role {
  return (useSession().me?.role as Role | undefined) ?? 'viewer';
}

export function can(min: Role): boolean {
  return roleAtLeast(currentRole(), min);
}

/** Why a control is off for this person, or '' when it is on. */
export function whyNot(min: Role): string {
  const role = currentRole();
  if (roleAtLeast(role, min)) return '';
  const needs = min === 'owner' ? 'an owner' : `the ${ROLE_LABELS[min]} role`;
  return `You are a ${ROLE_LABELS[role]} here: this needs ${needs}. Ask an admin if you need it.`;
}

type Gated = HTMLElement & { disabled?: boolean };

function apply(el: Gated, min: Role | undefined): void {
  const reason = whyNot(min ?? 'member');
  if (!reason) {
    if (el.dataset.gated) {
      delete el.dataset.gated;
      el.removeAttribute('aria-disabled');
      if (el.title === el.dataset.gatedTitle) el.removeAttribute('title');
    }
    return;
  }
  el.dataset.gated = 'true';
  el.dataset.gatedTitle = reason;
  el.title = reason;
  el.setAttribute('aria-disabled', 'true');
  if ('disabled' in el) el.disabled = true;
  if (el.draggable) el.draggable = false;
}

/**
 * `v-can="'member'"` (or bare `v-can`, meaning member): disables the control (a fieldset disables everything
 * inside it), stops dragging, and gives the reason as its tooltip for people whose role cannot use it.
 */
export const vCan: Directive<Gated, Role | undefined> = {
  mounted: (el, binding) => apply(el, binding.value),
  updated: (el, binding) => apply(el, binding.value),
};

declare module 'vue' {
  interface GlobalDirectives {
    vCan: typeof vCan;
  }
}
