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
