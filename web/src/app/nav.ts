import { ref } from 'vue';
import type { Role } from '@openase/shared';

/** The project navigation. Later capabilities (Workflows, Agents, Machines) add their entries here. */
export interface NavItem {
  label: string;
  /** Route name; the route takes the `project` param. */
  route: string;
  /** Keyboard-free hint shown as a tooltip. */
  hint: string;
}

export const projectNav: NavItem[] = [
  { label: 'Board', route: 'board', hint: 'Tickets by status' },
  { label: 'Overview', route: 'overview', hint: 'Throughput, cycle time, runs and cost per day' },
  { label: 'Timeline', route: 'timeline', hint: 'Tickets over time: statuses, runs, milestones' },
  { label: 'Activity', route: 'activity', hint: 'Everything that changed, live' },
  { label: 'Statuses', route: 'statuses', hint: 'The board columns' },
  { label: 'Repositories', route: 'repositories', hint: 'The git repositories agents work in' },
  { label: 'Workflows', route: 'workflows', hint: 'Which agent picks up which tickets, under which rules' },
  { label: 'Agents', route: 'agents', hint: 'Agent CLIs and their settings' },
  { label: 'Skills', route: 'skills', hint: 'Instructions and files given to agents' },
  { label: 'Machines', route: 'machines', hint: 'The fleet that runs agents' },
  { label: 'Jobs', route: 'jobs', hint: 'Tickets created on a schedule' },
];

/** The organization's pages (the account menu, the tabs above those pages); `min`: the organization role they need. */
export interface OrgNavItem {
  id: 'people' | 'inbox' | 'tokens' | 'settings' | 'audit';
  label: string;
  to: string;
  hint: string;
  min?: Role;
}

export const orgNav: OrgNavItem[] = [
  { id: 'people', label: 'People', to: '/people', hint: 'Members and invitations' },
  { id: 'inbox', label: 'Inbox', to: '/inbox', hint: 'Notifications for you' },
  { id: 'tokens', label: 'API tokens', to: '/tokens', hint: 'Tokens for the CLI and scripts' },
  { id: 'settings', label: 'Settings', to: '/settings', hint: 'Sign-in and notification channels', min: 'admin' },
  { id: 'audit', label: 'Audit', to: '/audit', hint: 'Who did what, when', min: 'admin' },
];

/** A phone-sized window: the top bar folds its navigation and account links into one menu (ui/shell.css). */
const PHONE = window.matchMedia('(max-width: 760px)');
export const isPhone = ref(PHONE.matches);
PHONE.addEventListener('change', () => (isPhone.value = PHONE.matches));
