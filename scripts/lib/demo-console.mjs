// A demo organization for looking at the console: one project with tickets in every column (a
// parent with children, a dependency, comments, labels, a budget), an agent, workflows from a
// template and a scheduled job, made through the HTTP API (the calls the CLI's commands make, without
// a process per step). Used by the accessibility and console browser tests (web/test/e2e) and the
// screenshots (scripts/screenshots.mjs); the first and the last visit `consolePages`.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trpc } from '../fleet-sim/fleet.mjs';

/** The demo agent: the in-repo stand-in, which says a few things, runs a command and then stays live. */
const STAND_IN = fileURLToPath(new URL('../../test-kit/src/stand-in-agent.mjs', import.meta.url));
const DEMO_SCRIPT = {
  steps: [
    { text: 'I will start with the **API**, then the form.' },
    { usage: { input: 1200, output: 300, cached: 0 } },
    { run: ['git', '--version'] },
    { hang: true },
  ],
};

/** `call(procedure, input)` for `seedDemoProject`: the API over HTTP as the given token. */
export function demoCaller(url, token) {
  return (procedure, input) => trpc(url, token, procedure, input);
}

/**
 * Makes the demo project through the API (`call` from `demoCaller`), as the CLI's commands would:
 * one request each, no process per step.
 */
export async function seedDemoProject(call) {
  await call('projects.create', { name: 'Demo', slug: 'demo', ticketPrefix: 'DEMO' });
  const tickets = [
    [
      'Sign in with email',
      'Todo',
      'high',
      ['auth', 'backend'],
      'Users sign in with **email**.\n\n- [ ] form\n- [x] API',
    ],
    ['Write the sign-up page', 'In Progress', 'medium', ['frontend'], 'A page with a form.'],
    ['Rate-limit the API', 'Backlog', 'urgent', ['backend'], 'At most 100 requests a minute per token.'],
    ['Password reset e-mails', 'Backlog', 'low', ['auth'], ''],
    ['Audit log export', 'In Review', 'medium', ['compliance'], 'CSV of the audit stream.'],
    ['Dark theme', 'Done', 'none', ['frontend', 'design'], ''],
  ];
  for (const [title, status, priority, labels, description] of tickets)
    await call('tickets.create', {
      project: 'demo',
      title,
      status,
      priority,
      labels,
      description: description || undefined,
    });
  await call('tickets.update', { ticket: 'DEMO-4', parent: 'DEMO-1' });
  await call('tickets.update', { ticket: 'DEMO-1', budgetUsd: 5 });
  await call('tickets.link', { blocker: 'DEMO-1', blocked: 'DEMO-2' });
  await call('comments.add', { ticket: 'DEMO-1', body: 'The API part is done; the form is next.' });
  await call('agents.create', {
    project: 'demo',
    name: 'coder',
    adapter: 'custom',
    command: process.execPath,
    args: [STAND_IN],
    env: { STAND_IN_SCRIPT_JSON: JSON.stringify(DEMO_SCRIPT) },
  });
  const created = await call('workflows.create', { project: 'demo', template: 'full-stack', agent: 'coder' });
  await call('jobs.create', {
    project: 'demo',
    name: 'standup',
    cron: '0 9 * * 1-5',
    timeZone: 'UTC',
    // What the CLI sends for a template file with `title:` in its front matter and the body below.
    template: { title: 'Stand-up notes {{date:YYYY-MM-DD}}', description: 'What moved yesterday.' },
    enabled: true,
  });
  return { project: 'demo', ticket: 'DEMO-1', workflow: created.workflows[0].name, job: 'standup' };
}

/** The route names of the project navigation (web/src/app/nav.ts), in its order. */
function projectNavRoutes() {
  const nav = fs.readFileSync(new URL('../../web/src/app/nav.ts', import.meta.url), 'utf8');
  const routes = [...nav.matchAll(/\broute: '([^']+)'/g)].map((m) => m[1]);
  if (!routes.length) throw new Error("web/src/app/nav.ts lists no routes (route: '…')");
  return routes;
}

/** What shows once a project page has loaded its data, where that is more than its heading. */
const PROJECT_PAGE_READY = {
  board: '[data-test=card]',
  workflows: 'main table',
  machines: '[data-history] .online-strip',
  overview: 'figure[data-chart]',
  timeline: '.timeline-row',
  jobs: '[data-test=job-table]',
};

/**
 * Every page of the console, signed in, as { name, path, ready }: `ready` is a selector that is
 * on the page once it has loaded its data. The project's pages are those of its navigation, so a new
 * entry there is visited too; the rest are pages the navigation does not list.
 */
export function consolePages(demo) {
  const p = `/p/${demo.project}`;
  return [
    { name: 'projects', path: '/projects', ready: 'main h1' },
    ...projectNavRoutes().map((name) => ({ name, path: `${p}/${name}`, ready: PROJECT_PAGE_READY[name] ?? 'main h1' })),
    { name: 'board-list', path: `${p}/board?view=list`, ready: 'main table' },
    { name: 'ticket-drawer', path: `${p}/board/${demo.ticket}`, ready: '[data-test=drawer] h2' },
    { name: 'workflow-editor', path: `${p}/workflows/${demo.workflow}`, ready: '.cm-content' },
    { name: 'job', path: `${p}/jobs/${demo.job}`, ready: 'main h1' },
    { name: 'people', path: '/people', ready: 'main h1' },
    { name: 'inbox', path: '/inbox', ready: 'main h1' },
    { name: 'settings', path: '/settings', ready: 'main h1' },
    { name: 'tokens', path: '/tokens', ready: 'main h1' },
    { name: 'audit', path: '/audit', ready: 'main h1' },
    { name: 'not-found', path: '/no/such/page', ready: 'main h1' },
    { name: 'project-not-found', path: '/p/no-such-project/board', ready: 'main [role=alert], main h1' },
  ];
}

/** Pages seen signed out. */
export const signedOutPages = [
  { name: 'signin', path: '/signin', ready: 'h1' },
  { name: 'signin-link-used', path: '/auth/signin?code=osl_not-a-real-code', ready: 'h1' },
  { name: 'invite-malformed', path: '/invite?code=bad', ready: 'h1' },
];
