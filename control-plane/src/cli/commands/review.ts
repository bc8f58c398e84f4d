/**
 * `openase ticket diff` (the branch's diff, or one run's changes), `openase ticket review`
 * (approve or request changes, with line comments), and `openase project merge-settings`.
 */
import fs from 'node:fs';
import { MERGE_METHODS, diffSummary, type CommentAnchor } from '@openase/shared';
import { JSON_OPTION, UsageError, requirePositional, stringOption, type Command, type CommandIo } from '../command.js';
import { apiClientFromEnv, type ApiClient } from '../client.js';
import { printJson } from '../output.js';
import { anchorToDiff, type LineComment } from './review-anchors.js';

type Diff = Awaited<ReturnType<ApiClient['tickets']['diff']['query']>>;

/** Like `git diff --stat`: one line per file with its counts, then the summary. */
export function formatDiffStat(diff: Diff): string[] {
  const lines: string[] = [];
  const several = diff.repos.length > 1;
  const width = Math.min(60, Math.max(0, ...diff.repos.flatMap((r) => r.files.map((f) => f.path.length))));
  for (const repo of diff.repos) {
    if (several || repo.error) lines.push(`${repo.repo}:${repo.error ? ` ${repo.error}` : ''}`);
    for (const f of repo.files) {
      const name = f.oldPath ? `${f.oldPath} => ${f.path}` : f.path;
      const counts =
        f.additions === null ? 'binary' : `${f.additions + (f.deletions ?? 0)} +${f.additions} -${f.deletions ?? 0}`;
      lines.push(` ${(name.length > width ? `…${name.slice(-(width - 1))}` : name).padEnd(width)} | ${counts}`);
    }
    if (repo.moreFiles) lines.push(` … and ${repo.moreFiles} more file(s)`);
  }
  lines.push(` ${diffSummary(diff.files, diff.additions, diff.deletions)}`);
  return lines;
}

function whence(diff: Diff): string {
  const source = diff.repos[0]?.source;
  const where =
    source === 'worktree'
      ? `the worktree on ${diff.machine}`
      : source === 'range'
        ? `run ${diff.run}`
        : `the remote, read by ${diff.machine}`;
  return `${diff.identifier} on ${diff.branch} (from ${where})`;
}

export const diffCommand: Command = {
  name: 'diff',
  summary: "show a ticket branch's changes against its base (or what one run changed)",
  args: ['TICKET'],
  usage: '[--stat] [--run RUN] [--json]',
  details:
    'The diff is read where the ticket works: by the machine holding its worktree (uncommitted edits of a live run ' +
    'included), else from the remote. A diff larger than 4 MiB is cut: the file list and counts stay complete.',
  options: {
    stat: { type: 'boolean', description: 'only the files changed and their line counts' },
    run: { type: 'string', value: 'RUN', description: 'only what this run changed (its id or first characters)' },
    ...JSON_OPTION,
  },
  examples: [
    'openase ticket diff DEMO-1',
    'openase ticket diff DEMO-1 --stat',
    'openase ticket diff DEMO-1 --run 3f2a1b2c',
  ],
  async run(args, io) {
    const diff = await apiClientFromEnv(io.env).tickets.diff.query({
      ticket: requirePositional(args, 0, 'TICKET identifier'),
      stat: Boolean(args.values.stat),
      run: stringOption(args.values.run),
    });
    if (args.values.json) return printJson(io, diff);
    io.err(`# ${whence(diff)}`);
    if (args.values.stat || diff.files === 0) {
      for (const line of formatDiffStat(diff)) io.out(line);
      return;
    }
    const write = io.write ?? ((text: string) => io.out(text.replace(/\n$/, '')));
    for (const repo of diff.repos) {
      if (repo.error) io.err(`# ${repo.repo}: ${repo.error}`);
      else if (diff.repos.length > 1) io.err(`# repository ${repo.repo}`);
      if (repo.patch) write(repo.patch.endsWith('\n') ? repo.patch : `${repo.patch}\n`);
    }
    if (diff.tooLarge)
      io.err(
        `# the diff is larger than ${Math.round(diff.maxBytes / 1048576)} MiB and was cut; ${diffSummary(diff.files, diff.additions, diff.deletions)} (see --stat)`,
      );
  },
};

/** `--line path:N[:old]=TEXT` → a line comment. */
export function parseLineComment(raw: string): { anchor: CommentAnchor; body: string } {
  const m = /^(.+?):(\d+)(?::(old|new))?=([\s\S]+)$/.exec(raw);
  if (!m) throw new UsageError(`--line takes PATH:LINE=COMMENT (or PATH:LINE:old=COMMENT), got "${raw}"`);
  return { anchor: { path: m[1]!, line: Number(m[2]), side: (m[3] as 'old' | 'new') ?? 'new' }, body: m[4]! };
}

async function messageOption(args: { values: Record<string, unknown> }): Promise<string | undefined> {
  const m = stringOption(args.values.message as string | undefined);
  return m === '-' ? fs.readFileSync(0, 'utf8') : m;
}

export const reviewCommand: Command = {
  name: 'review',
  summary: 'approve a ticket waiting for review, or request changes (sends it back to its agent)',
  args: ['TICKET'],
  usage: '(--approve | --request-changes) [-m TEXT] [--line PATH:LINE=TEXT]… [--json]',
  details:
    'Requesting changes sends the ticket back to its workflow; the next run gets the comments (line comments with ' +
    'their file:line) in its prompt. Approving moves it to the merge status when its workflow declares a merge step.',
  options: {
    approve: { type: 'boolean', description: 'approve the change' },
    'request-changes': { type: 'boolean', description: 'send it back with comments' },
    message: {
      type: 'string',
      short: 'm',
      value: 'TEXT',
      description: 'the review comment ("-" reads standard input)',
    },
    line: {
      type: 'string',
      multiple: true,
      value: 'PATH:LINE=TEXT',
      description: 'a line comment on the new side (PATH:LINE:old=TEXT for a removed line)',
    },
    ...JSON_OPTION,
  },
  examples: [
    'openase ticket review DEMO-1 --request-changes -m "Handle the empty list" --line src/list.ts:12="this throws"',
    'openase ticket review DEMO-1 --approve',
  ],
  async run(args, io: CommandIo) {
    const ticket = requirePositional(args, 0, 'TICKET identifier');
    const approve = Boolean(args.values.approve);
    const request = Boolean(args.values['request-changes']);
    if (approve === request) throw new UsageError('give exactly one of --approve or --request-changes');
    const api = apiClientFromEnv(io.env);
    let lines = ((args.values.line as string[] | undefined) ?? []).map(parseLineComment);
    if (lines.length) lines = await checkedAgainstDiff(api, ticket, lines, io);
    const result = await api.tickets.review.mutate({
      ticket,
      verdict: approve ? 'approve' : 'request_changes',
      body: await messageOption(args),
      comments: lines,
    });
    if (args.values.json) return printJson(io, result);
    const moved = result.movedTo ? `; moved to ${result.movedTo}` : '';
    io.out(
      approve
        ? `approved ${result.ticket} (review round ${result.round})${moved}`
        : `requested changes on ${result.ticket} (review round ${result.round})${moved}; its next run gets the comments`,
    );
  },
};

/** The line comments anchored to the ticket diff (review-anchors.ts); sent as written when the diff cannot be read. */
async function checkedAgainstDiff(api: ApiClient, ticket: string, lines: LineComment[], io: CommandIo) {
  let diff;
  try {
    diff = await api.tickets.diff.query({ ticket });
  } catch (err) {
    io.err(
      `warning: could not read ${ticket}'s diff to check the line comments (${(err as Error).message}); they are sent as written`,
    );
    return lines;
  }
  return anchorToDiff(lines, diff);
}

export const mergeSettingsCommand: Command = {
  name: 'merge-settings',
  summary: 'how approved tickets are merged: method, branch deletion, closed pull requests',
  args: ['PROJECT'],
  usage: '[--method merge|squash|rebase] [--delete-branch | --keep-branch] [--closed-pr rework|cancel] [--json]',
  options: {
    method: { type: 'string', description: MERGE_METHODS.join('|') },
    'delete-branch': { type: 'boolean', description: "delete the ticket's branch after it merged (default)" },
    'keep-branch': { type: 'boolean', description: 'keep merged branches' },
    'closed-pr': { type: 'string', description: 'a pull request closed unmerged: rework (default) or cancel' },
    ...JSON_OPTION,
  },
  async run(args, io) {
    const method = stringOption(args.values.method);
    if (method && !(MERGE_METHODS as readonly string[]).includes(method))
      throw new UsageError(`--method must be one of ${MERGE_METHODS.join(', ')}`);
    const closed = stringOption(args.values['closed-pr']);
    if (closed && closed !== 'rework' && closed !== 'cancel')
      throw new UsageError('--closed-pr must be rework or cancel');
    if (args.values['delete-branch'] && args.values['keep-branch'])
      throw new UsageError('give --delete-branch or --keep-branch, not both');
    const p = await apiClientFromEnv(io.env).projects.mergeSettings.mutate({
      project: requirePositional(args, 0, 'PROJECT'),
      mergeMethod: method as (typeof MERGE_METHODS)[number] | undefined,
      deleteBranch: args.values['delete-branch'] ? true : args.values['keep-branch'] ? false : undefined,
      closedPullRequest: closed as 'rework' | 'cancel' | undefined,
    });
    if (args.values.json) return printJson(io, p);
    io.out(
      `${p.slug}: ${p.mergeMethod}, ${p.deleteMergedBranch ? 'merged branches are deleted' : 'merged branches are kept'}, a closed pull request ${p.closedPullRequest === 'cancel' ? 'cancels its ticket' : 'sends its ticket back to its workflow'}`,
    );
  },
};
