/**
 * `openase project github`: a project's GitHub connection — the token the platform calls GitHub
 * with, the webhook secret, the API base — and what to configure on GitHub (docs/review.md).
 * Secrets come from environment variables or standard input, never from the command line.
 */
import fs from 'node:fs';
import { UsageError, requirePositional, stringOption } from '../command.js';
import { resolveEndpoint } from '../client.js';
import { callCommand } from '../call-command.js';

export const githubCommand = callCommand({
  name: 'github',
  summary: 'connect a project to GitHub: token, webhook secret; shows the webhook URL to set on GitHub',
  args: ['PROJECT'],
  usage:
    '[--token-env VAR | --token-stdin | --remove-token] [--webhook-secret-env VAR | --remove-webhook-secret] [--api-url URL] [--json]',
  options: {
    'token-env': { type: 'string', description: 'read the GitHub token from this environment variable' },
    'token-stdin': { type: 'boolean', description: 'read the GitHub token from standard input' },
    'remove-token': { type: 'boolean', description: "forget the token (agents' GITHUB_TOKEN secrets still serve)" },
    'webhook-secret-env': { type: 'string', description: 'read the webhook secret from this environment variable' },
    'remove-webhook-secret': { type: 'boolean', description: 'forget the webhook secret (webhooks are then refused)' },
    'api-url': { type: 'string', description: 'the API base (GitHub Enterprise: https://HOST/api/v3)' },
  },
  examples: [
    'GH=ghp_… HOOK=$(openssl rand -hex 32) openase project github demo --token-env GH --webhook-secret-env HOOK',
    'openase project github demo',
  ],
  check(args, io) {
    const project = requirePositional(args, 0, 'PROJECT');
    const fromEnv = (option: string): string | undefined => {
      const name = stringOption(args.values[option]);
      if (!name) return undefined;
      const value = io.env[name];
      if (!value) throw new UsageError(`--${option} ${name}: the environment variable ${name} is not set`);
      return value;
    };
    let token = fromEnv('token-env');
    if (args.values['token-stdin']) token = fs.readFileSync(0, 'utf8').trim();
    if (args.values['remove-token']) token = '';
    let webhookSecret = fromEnv('webhook-secret-env');
    if (args.values['remove-webhook-secret']) webhookSecret = '';
    const apiUrl = stringOption(args.values['api-url']);
    return { project, token, webhookSecret, apiUrl };
  },
  async call(api, _args, io, { project, token, webhookSecret, apiUrl }) {
    const changing = token !== undefined || webhookSecret !== undefined || apiUrl !== undefined;
    const s = changing
      ? await api.projects.connectGithub.mutate({ project, token, webhookSecret, apiUrl })
      : await api.projects.github.query({ project });
    return { ...s, webhookUrl: `${resolveEndpoint(io.env).url}${s.webhookPath}` };
  },
  print(io, s) {
    const { webhookUrl } = s;
    io.out(`${s.project}: GitHub API ${s.apiUrl}`);
    io.out(`  token: ${s.hasToken ? 'set' : "not set (agents' GITHUB_TOKEN secrets are used)"}`);
    io.out(`  webhook secret: ${s.hasWebhookSecret ? 'set' : 'not set (webhooks are refused; polling only)'}`);
    io.out(`On GitHub (repository → Settings → Webhooks → Add webhook):`);
    io.out(`  Payload URL: ${webhookUrl}`);
    io.out(`  Content type: application/json; Secret: the webhook secret set here`);
    io.out(`  Events: ${s.webhookEvents.join(', ')}`);
  },
});

/** `openase project github-issues`: GitHub Issues as the project's ticket source (docs/review.md). */
export const githubIssuesCommand = callCommand({
  name: 'github-issues',
  summary: "import a GitHub repository's issues as tickets and keep them in sync both ways",
  args: ['PROJECT'],
  usage: '[--repo OWNER/NAME | --off] [--json]',
  options: {
    repo: { type: 'string', description: 'link the project to this repository’s issues (admins)' },
    off: { type: 'boolean', description: 'stop syncing issues (tickets already imported stay)' },
  },
  examples: ['openase project github-issues demo --repo acme/app', 'openase project github-issues demo'],
  check(args) {
    const project = requirePositional(args, 0, 'PROJECT');
    const repo = stringOption(args.values.repo);
    const off = args.values.off === true;
    if (repo && off) throw new UsageError('--repo and --off do not go together');
    return { project, repo, off };
  },
  call: (api, _args, _io, input) => api.projects.githubIssues.mutate(input),
  print(io, r) {
    if (!r.repo) return io.out(`${r.project}: GitHub issues are not synced (link them with --repo OWNER/NAME)`);
    const n = (k: number, what: string) => `${k} ${what}`;
    io.out(
      `${r.project}: issues of ${r.repo} synced — ${n(r.created, 'imported')}, ${n(r.updated, 'updated from GitHub')}, ` +
        `${n(r.pushed, 'updated on GitHub')}, ${n(r.unchanged, 'unchanged')}`,
    );
  },
});
