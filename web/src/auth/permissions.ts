/**
 * What the signed-in person may change, for the console's controls. The server decides (every procedure checks
 * the role, api/procedure-roles.ts); the console only disables what would be refused and says why, in words.
 */
import { reactive, watchEffect, type Directive } from 'vue';
import { roleAtLeast, type Role } from '@openase/shared';
import { useSession } from './session';

/**
 * The project the console is showing (set by the project layout; null on the organization's pages). There a
 * project role replaces a member's or viewer's organization role, as on the server (docs/teams.md).
 */
export const permissionScope = reactive({ project: null as string | null });

/**
 * `org`: a control for the organization's resources (machines, people), where project roles do not count;
 * `anywhere`: the highest role held in the organization or in some project (what a new API token may carry).
 */
export type RoleScope = 'project' | 'org' | 'anywhere';

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer' };

/** What each role may do, in one line, for the people page and the invitation form. */
export const ROLE_HINTS: Record<Role, string> = {
  owner: 'everything, including sign-in settings',
  admin: 'people, agents, workflows, machines and commands on them, statuses and settings',
  member: 'tickets, comments, runs, skills and Project AI',
  viewer: 'reads everything, changes nothing',
};

function currentRole(scope: RoleScope): { role: Role; inProject: string | null } {
  const me = useSession().me;
  const org = (me?.role as Role | undefined) ?? 'viewer';
  if (scope === 'anywhere') {
    const roles = [org, ...(me?.projectRoles ?? []).map((p) => p.role as Role)];
    return { role: roles.reduce((a, b) => (roleAtLeast(b, a) ? b : a)), inProject: null };
  }
  const project = scope === 'project' ? permissionScope.project : null;
  const set = project ? me?.projectRoles.find((p) => p.project === project) : undefined;
  return set ? { role: set.role as Role, inProject: set.project } : { role: org, inProject: null };
}

/** The role that counts on the page shown: the one in its project when one is set, else the organization's. */
export const roleHere = () => currentRole('project');

export function can(min: Role, scope: RoleScope = 'project'): boolean {
  return roleAtLeast(currentRole(scope).role, min);
}

/** Why a control is off for this person, or '' when it is on. */
export function whyNot(min: Role, scope: RoleScope = 'project'): string {
  const { role, inProject } = currentRole(scope);
  if (roleAtLeast(role, min)) return '';
  // Only an owner can change what needs one: asking an admin would lead nowhere.
  if (min === 'owner') return `You are a ${ROLE_LABELS[role]} here: only an owner can change this. Ask an owner.`;
  const needs = `the ${ROLE_LABELS[min]} role`;
  if (inProject)
    return `You are a ${ROLE_LABELS[role]} in this project: this needs ${needs}. Ask a project admin or an organization admin if you need it.`;
  return `You are a ${ROLE_LABELS[role]} here: this needs ${needs}. Ask an admin if you need it.`;
}

type Gated = HTMLElement & { disabled?: boolean };
type Binding = { value: Role | undefined; arg?: string | undefined };
/** What the element itself asks for (its own `disabled` and `draggable` bindings), restored when a role allows it. */
type Own = { disabled: boolean; draggable: boolean };

const present = (v: unknown) => v !== undefined && v !== null && v !== false;

function apply(el: Gated, binding: Binding, own: Own): void {
  const reason = whyNot(binding.value ?? 'member', binding.arg === 'org' ? 'org' : 'project');
  if (!reason) {
    if (el.dataset.gated) {
      delete el.dataset.gated;
      el.removeAttribute('aria-disabled');
      if (el.title === el.dataset.gatedTitle) el.removeAttribute('title');
      if ('disabled' in el) el.disabled = own.disabled;
      el.draggable = own.draggable;
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

/** Per gated element: its latest binding and own state, and the effect that re-applies on a role change. */
const gated = new WeakMap<Gated, { binding: Binding; own: Own; stop: () => void }>();

function ownOf(props: Record<string, unknown> | null): Own {
  return { disabled: present(props?.disabled), draggable: present(props?.draggable) && props?.draggable !== 'false' };
}

/**
 * `v-can="'member'"` (or bare `v-can`, meaning member): disables the control (a fieldset disables everything
 * inside it), stops dragging, and gives the reason as its tooltip for people whose role cannot use it. On a
 * project's pages the role is the one in that project; `v-can:org="'admin'"` asks for the organization role.
 * A change of role (one's own, live; another project) turns the control on or off without its page re-rendering.
 */
export const vCan: Directive<Gated, Role | undefined, string, string> = {
  mounted(el, binding, vnode) {
    const state = { binding: { value: binding.value, arg: binding.arg }, own: ownOf(vnode.props), stop: () => {} };
    gated.set(el, state);
    state.stop = watchEffect(() => apply(el, state.binding, state.own));
  },
  updated(el, binding, vnode) {
    const state = gated.get(el);
    if (!state) return;
    state.binding = { value: binding.value, arg: binding.arg };
    state.own = ownOf(vnode.props);
    apply(el, state.binding, state.own);
  },
  unmounted(el) {
    gated.get(el)?.stop();
    gated.delete(el);
  },
};

declare module 'vue' {
  interface GlobalDirectives {
    vCan: typeof vCan;
  }
}
