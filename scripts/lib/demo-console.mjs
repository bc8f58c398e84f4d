// A demo organization for looking at the console: one project with tickets in every column (a
// parent with children, a dependency, comments, labels, a budget), an agent, workflows from a
// template, a scheduled job and an API token, all made through the real CLI. Used by the
// accessibility test (web/test/e2e/a11y.test.ts) and the screenshots (scripts/screenshots.mjs),
// which both visit `consolePages`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo agent: the in-repo stand-in, which says a few things, runs a command and then stays live. */
const STAND_IN = fileURLToPath(new URL('../../agent-daemon/test-support/stand-in-agent.mjs', import.meta.url));
const DEMO_SCRIPT = {
  steps: [
    { text: 'I will start with the **API**, then the form.' },
    { usage: { input: 1200, output: 300, cached: 0 } },
    { run: ['git', '--version'] },
    { hang: true },
  ],
};

/**
 * `cli(args)` runs the openase CLI against the server and returns { code, out, err }.
 * Throws on the first command that fails.
 */
export function seedDemoProject(cli) {
  const run = (args) => {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`openase ${args.join(' ')} failed (${r.code}): ${r.err || r.out}`);
    return r.out;
  };
  run(['project', 'create', 'Demo', '--slug', 'demo', '--prefix', 'DEMO']);
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
  for (const [title, status, priority, labels, description] of tickets) {
    const args = ['ticket', 'create', '--project', 'demo', '--title', title, '--status', status];
    args.push('--priority', priority, ...labels.flatMap((l) => ['--label', l]));
    if (description) args.push('--description', description);
    run(args);
  }
  run(['ticket', 'update', 'DEMO-4', '--parent', 'DEMO-1']);
  run(['ticket', 'update', 'DEMO-1', '--budget', '5']);
  run(['ticket', 'link', 'DEMO-2', '--blocked-by', 'DEMO-1']);
  run(['ticket', 'comment', 'DEMO-1', 'The API part is done; the form is next.']);
  const script = `STAND_IN_SCRIPT_JSON=${JSON.stringify(DEMO_SCRIPT)}`;
  run(['agent', 'create', 'coder', '--project', 'demo', '--adapter', 'custom', '--command', process.execPath]);
  run(['agent', 'update', 'coder', '--project', 'demo', '--arg', STAND_IN, '--env', script]);
  run(['workflow', 'create', '--template', 'full-stack', '--project', 'demo', '--agent', 'coder']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-demo-'));
  try {
    const file = path.join(dir, 'standup.md');
    fs.writeFileSync(file, '---\ntitle: Stand-up notes {{date:YYYY-MM-DD}}\n---\nWhat moved yesterday.\n');
    run(['job', 'create', 'standup', '--project', 'demo', '--cron', '0 9 * * 1-5', '--template', file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const workflows = JSON.parse(run(['workflow', 'list', '--project', 'demo', '--json']));
  return { project: 'demo', ticket: 'DEMO-1', workflow: workflows[0].name, job: 'standup' };
}

/**
 * Every page of the console, signed in, as { name, path, ready }: `ready` is a selector that is
 * on the page once it has loaded its data.
 */
export function consolePages(demo) {
  const p = `/p/${demo.project}`;
  return [
    { name: 'projects', path: '/projects', ready: 'main h1' },
    { name: 'board', path: `${p}/board`, ready: '[data-test=card]' },
    { name: 'board-list', path: `${p}/board?view=list`, ready: 'main table' },
    { name: 'ticket-drawer', path: `${p}/board/${demo.ticket}`, ready: '[data-test=drawer] h2' },
    { name: 'activity', path: `${p}/activity`, ready: 'main h1' },
    { name: 'statuses', path: `${p}/statuses`, ready: 'main h1' },
    { name: 'workflows', path: `${p}/workflows`, ready: 'main table' },
    { name: 'workflow-editor', path: `${p}/workflows/${demo.workflow}`, ready: '.cm-content' },
    { name: 'agents', path: `${p}/agents`, ready: 'main h1' },
    { name: 'repositories', path: `${p}/repositories`, ready: 'main h1' },
    { name: 'skills', path: `${p}/skills`, ready: 'main h1' },
    { name: 'machines', path: `${p}/machines`, ready: '[data-machine]' },
    { name: 'jobs', path: `${p}/jobs`, ready: '[data-test=job-table]' },
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
