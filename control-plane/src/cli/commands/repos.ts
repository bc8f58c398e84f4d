/** `openase repo …`: the git repositories of a project, where agents work. */
import { execFile } from 'node:child_process';
import { listOption, requireOption, requirePositional, stringOption, type GroupBody } from '../command.js';
import { printTable } from '../output.js';
import { callCommand } from '../call-command.js';
import { namedIn, PROJECT_OPTION, projectOf, REQUIRED_PROJECT_OPTION } from './definitions-common.js';

/**
 * The branch a remote's HEAD points at (`git ls-remote --symref URL HEAD`), asked from where the CLI runs with the
 * person's own git access. No branch when git cannot tell: `problem` is git's own last line when git failed (no such
 * repository, no access, no git), absent for a remote without HEAD (an empty one).
 */
export function remoteDefaultBranch(url: string, timeoutMs = 15_000): Promise<{ branch?: string; problem?: string }> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-remote', '--symref', '--', url, 'HEAD'],
      { timeout: timeoutMs, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (err, out, stderr) => {
        if (!err) {
          const branch = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(out)?.[1];
          return resolve(branch ? { branch } : {});
        }
        const lines = String(stderr ?? '')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        resolve({ problem: lines.find((l) => l.startsWith('fatal:')) ?? lines.at(-1) ?? err.message });
      },
    );
  });
}

export const repoCommands: GroupBody = {
  commands: [
    callCommand({
      name: 'add',
      summary: 'attach a repository (any git URL; file:// works)',
      args: ['URL'],
      usage: '--project P [--name N] [--branch B] [--label L] [--json]',
      details:
        'Without --branch, the branch is the remote’s default (its HEAD, asked with git from here), else main;\n' +
        'when git cannot read the remote from here it is added all the same, with a warning saying why.\n' +
        'Agents start each ticket’s branch from it and merges land on it; `openase repo update` changes it.',
      options: {
        ...PROJECT_OPTION,
        name: { type: 'string', description: 'short name (default: from the URL)' },
        branch: { type: 'string', description: "the branch agents start from (default: the remote's default)" },
        label: { type: 'string', multiple: true, description: 'label, or comma-separated labels' },
      },
      examples: ['openase repo add file:///srv/git/app.git --project demo'],
      async call(api, args, io) {
        const url = requirePositional(args, 0, 'repository URL');
        let defaultBranch = stringOption(args.values.branch);
        if (defaultBranch === undefined) {
          const asked = await remoteDefaultBranch(url);
          defaultBranch = asked.branch;
          // Added all the same: the machines may reach a remote this host cannot; but a mistyped URL is said now.
          if (asked.problem)
            io.err(
              `openase repo add: warning: git could not read ${url} from here (${asked.problem}); ` +
                'check the URL (machines fetch it the same way) or give --branch',
            );
        }
        return api.repositories.add.mutate({
          project: projectOf(args, io.env),
          url,
          name: stringOption(args.values.name),
          defaultBranch,
          labels: listOption(args.values.label),
        });
      },
      print(io, repo) {
        io.out(`added repository ${repo.name} (${repo.url}, branch ${repo.defaultBranch})`);
      },
    }),
    callCommand({
      name: 'update',
      summary: "change a repository's branch (where agents start and merges land) or its labels",
      args: ['NAME'],
      usage: '--project P [--branch B] [--label L] [--json]',
      options: {
        ...REQUIRED_PROJECT_OPTION,
        branch: { type: 'string', description: 'the branch agents start from and merge into' },
        label: { type: 'string', multiple: true, description: 'the labels, replacing the ones it has' },
      },
      examples: ['openase repo update app --project demo --branch master'],
      call: (api, args) =>
        api.repositories.update.mutate({
          ...namedIn(requireOption(args, 'project'), args, 'repository'),
          defaultBranch: stringOption(args.values.branch),
          labels: listOption(args.values.label),
        }),
      print(io, repo) {
        io.out(
          `repository ${repo.name}: branch ${repo.defaultBranch}${repo.labels.length ? `, labels ${repo.labels.join(',')}` : ''}`,
        );
      },
    }),
    callCommand({
      name: 'list',
      summary: "list a project's repositories",
      args: [],
      usage: '--project P [--json]',
      options: REQUIRED_PROJECT_OPTION,
      call: (api, args) => api.repositories.list.query({ project: requireOption(args, 'project') }),
      print(io, repos) {
        printTable(
          io,
          ['NAME', 'URL', 'BRANCH', 'LABELS'],
          repos.map((r) => [r.name, r.url, r.defaultBranch, r.labels.join(',')]),
          'no repositories; attach one with `openase repo add URL --project P`',
        );
      },
    }),
    callCommand({
      name: 'delete',
      summary: 'delete a repository from a project (admins; refused while a run has it in its workspace)',
      args: ['NAME'],
      usage: '--project P [--json]',
      options: REQUIRED_PROJECT_OPTION,
      call: (api, args) => api.repositories.delete.mutate(namedIn(requireOption(args, 'project'), args, 'repository')),
      print(io, result) {
        io.out(`deleted repository ${result.deleted}`);
      },
    }),
  ],
};
