/**
 * From In Review to merged with a plain bare git remote, end to end with real processes: the
 * control plane and its `local` daemon, real git, the full-stack template (with its Merging step)
 * and the stand-in agent, which reads its prompt: a reviewer's line comment reaches the next run,
 * which fixes the line; approval merges into main and lands on Done. A second ticket conflicts
 * with main at merge time: the conflict goes back to the agent as its next prompt, its daemon merges main into
 * the worktree first (a sandboxed agent cannot write git history), the agent resolves the markers, the daemon
 * commits the merge and pushes, and the platform merges again: Done.
 * The CLI's `ticket diff` / `ticket review` / `ticket why` are driven as a person types them.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@openase/test-kit/fleet-harness';
import { PASSING_TESTS, useLocalFleet, WORKSPACE_CLI as wrapper } from './local-fleet.js';
import type { TestRemote } from '@openase/test-kit/git-remote';

/** One script for both tickets: it reads its prompt (the ticket, then any review) to decide what to do. */
const SCRIPT = {
  steps: [
    {
      when: { input: 'Work on ticket \\S+: Notes' },
      then: [
        {
          when: { input: 'could not be merged[\\s\\S]*notes\\.txt' },
          then: [
            // The daemon merged main in, markers left: the agent edits the file (no git: it is sandboxed).
            { run: "grep -q '^<<<<<<< ' notes.txt && printf 'from someone else\\nfrom the agent\\n' > notes.txt" },
          ],
          else: [{ write: { path: 'notes.txt', content: 'from the agent\n' } }],
        },
      ],
      else: [
        {
          when: { input: 'greet\\.js:1[^\\n]*\\n\\s+[^\\n]*: say hello world' },
          then: [
            { write: { path: 'greet.js', content: "module.exports = 'hello world';\n" } },
            { run: `${wrapper} comment "greets the world now"` },
          ],
          else: [{ write: { path: 'greet.js', content: "module.exports = 'hi';\n" } }],
        },
      ],
    },
    { run: `${wrapper} move "In Review"` },
    { text: 'done' },
  ],
};

describe('review loop and merging with a plain git remote', () => {
  const fleet = useLocalFleet({ name: 'cp-review' });
  const cli = (...args: string[]) => fleet.cli(args);
  const until = fleet.until;
  let remote: TestRemote;

  beforeAll(async () => {
    remote = fleet.remote(PASSING_TESTS);
    await fleet.project({ name: 'Rev', ticketPrefix: 'REV', repoUrl: remote.url, script: SCRIPT });
    await fleet.cp.api.workflows.create.mutate({ project: 'rev', template: 'full-stack', agent: 'stand-in' });
  });

  it('a line comment reaches the next run, which fixes it; approval merges into main and the ticket lands on Done', async () => {
    const t = await fleet.cp.api.tickets.create.mutate({ project: 'rev', title: 'Greet', status: 'Todo' });
    await until(t.identifier, 'In Review');
    const branch = `openase/${t.identifier}-greet`;

    // The diff, read where the worktree is, and the same from the CLI.
    const diff = await fleet.cp.api.tickets.diff.query({ ticket: t.identifier });
    expect(diff).toMatchObject({ machine: 'local', files: 1, additions: 1, deletions: 0, tooLarge: false });
    expect(diff.repos[0]).toMatchObject({ source: 'worktree', files: [{ path: 'greet.js', additions: 1 }] });
    expect(diff.repos[0]!.patch).toContain("+module.exports = 'hi';");
    const stat = cli('ticket', 'diff', t.identifier, '--stat');
    expect(stat.code, stat.err).toBe(0);
    expect(stat.out).toMatch(/greet\.js \| 1 \+1 -0\n 1 file changed, 1 insertion\(\+\), 0 deletions\(-\)/);
    expect(stat.err).toContain(`# ${t.identifier} on ${branch} (from the worktree on local)`);
    const whyWaiting = cli('ticket', 'why', t.identifier);
    expect(whyWaiting.out).toMatch(new RegExp(`${t.identifier} waits for review round 1 in In Review`));

    // A line the diff does not show is refused before anything is sent.
    const typo = cli('ticket', 'review', t.identifier, '--request-changes', '--line', 'greet.js:9=say hello world');
    expect(typo.code).toBe(2);
    expect(typo.err).toContain(`greet.js:9 is not a line of ${t.identifier}'s diff; the diff shows line 1 of it`);
    // The reviewer comments on the line and requests changes (from the CLI, as a person would).
    const asked = cli(
      'ticket',
      'review',
      t.identifier,
      '--request-changes',
      '-m',
      'Not quite.',
      '--line',
      'greet.js:1=say hello world',
    );
    expect(asked.code, asked.err).toBe(0);
    expect(asked.out).toMatch(/requested changes on REV-1 \(review round 1\); moved to In Progress/);
    await waitFor(
      'the second run',
      async () => (await fleet.cp.api.tickets.show.query({ ticket: t.identifier })).runs.length === 2,
    );
    await until(t.identifier, 'In Review');
    const shown = await fleet.cp.api.tickets.show.query({ ticket: t.identifier });
    expect(shown).toMatchObject({ reviewRound: 2, reviewState: 'changes_requested' });
    const second = shown.runs[0]!;
    const events = await fleet.cp.api.runs.events.query({ run: second.id, limit: 200 });
    const prompt = events.find((e) => e.event.type === 'message' && e.event.role === 'user')!.event as { text: string };
    expect(prompt.text).toMatch(/## Review round 1: changes requested by/);
    // The CLI sent the line's text as the diff showed it: the prompt quotes it.
    expect(prompt.text).toMatch(/- greet\.js:1 at `module\.exports = 'hi';`\n {2}.*: say hello world/);
    expect(remote.show(branch, 'greet.js')).toBe("module.exports = 'hello world';\n");
    // `ticket show` says where a line comment is.
    expect(cli('ticket', 'show', t.identifier).out).toMatch(/\] \S.* on greet\.js:1: say hello world\n/);

    // What the second run changed, alone.
    const runDiff = cli('ticket', 'diff', t.identifier, '--run', second.id.slice(0, 8));
    expect(runDiff.code, runDiff.err).toBe(0);
    expect(runDiff.out).toContain("-module.exports = 'hi';\n+module.exports = 'hello world';");

    const approved = cli('ticket', 'review', t.identifier, '--approve');
    expect(approved.out).toMatch(/approved REV-1 \(review round 2\); moved to Merging/);
    await until(t.identifier, 'Done');
    expect(remote.show('main', 'greet.js')).toBe("module.exports = 'hello world';\n");
    expect(remote.log('main')[0]).toBe(`Merge ${branch}: ${t.identifier}: Greet`);
    expect(remote.files(branch)).toBeNull();
    const done = await fleet.cp.api.tickets.show.query({ ticket: t.identifier });
    expect(done.activity.map((a) => a.summary).join('\n')).toMatch(/merged REV-1 \(merge\): app: merged/);
    // Done removes the worktree (it was kept across both review rounds).
    await waitFor(
      'the workspace removal',
      async () => (await fleet.cp.api.runs.show.query({ run: second.id })).workspaceRemovedAt !== null,
    );
  });

  let notes: { identifier: string } | undefined;

  it('a merge conflict goes back to the agent with the conflict as its prompt', async () => {
    const t = await fleet.cp.api.tickets.create.mutate({ project: 'rev', title: 'Notes', status: 'Todo' });
    notes = t;
    await until(t.identifier, 'In Review');
    remote.commit('main', 'notes.txt', 'from someone else\n');
    const settings = cli('project', 'merge-settings', 'rev', '--method', 'squash');
    expect(settings.out).toMatch(/rev: squash, merged branches are deleted/);
    await fleet.cp.api.tickets.review.mutate({ ticket: t.identifier, verdict: 'approve' });
    await waitFor(
      'the conflict',
      async () => (await fleet.cp.api.tickets.show.query({ ticket: t.identifier })).reviewState === 'merge_conflict',
    );
    await waitFor(
      'the second run',
      async () => (await fleet.cp.api.tickets.show.query({ ticket: t.identifier })).runs.length === 2,
    );
    const shown = await fleet.cp.api.tickets.show.query({ ticket: t.identifier });
    const userMessage = async () =>
      (await fleet.cp.api.runs.events.query({ run: shown.runs[0]!.id, limit: 200 })).find(
        (e) => e.event.type === 'message' && e.event.role === 'user',
      );
    await waitFor('the prompt of the second run', async () => !!(await userMessage()));
    const prompt = (await userMessage())!.event as { text: string };
    expect(prompt.text).toMatch(/the approved branch could not be merged[\s\S]*conflicts in: notes\.txt[\s\S]*<<<<<<</);
    // The daemon merged main into the worktree before the turn (the sandboxed agent cannot) and says where.
    expect(prompt.text).toMatch(/merging main \([0-9a-f]{12}\) left conflict markers in: notes\.txt/);
  });

  // Agents run sandboxed and cannot write git history (docs/security.md): the daemon merged the base into the
  // worktree before the turn, commits the agent's resolution as the merge after it and pushes; the platform then
  // approves the round itself (the earlier approval stands) and merges again.
  it('a conflicted ticket merges once its agent resolves the conflict the daemon merged into its worktree', async () => {
    const id = notes!.identifier;
    const branch = `openase/${id}-notes`;
    await until(id, 'Done');
    expect(remote.show('main', 'notes.txt')).toBe('from someone else\nfrom the agent\n');
    expect(remote.log('main')[0]).toBe(`${id}: Notes`);
    const shown = await fleet.cp.api.tickets.show.query({ ticket: id });
    const summaries = shown.activity.map((a) => a.summary).join('\n');
    expect(summaries).toMatch(new RegExp(`approved ${id} \\(review round 2, 1 comment\\)`));
    expect(summaries).toMatch(new RegExp(`merged ${id} \\(squash\\): app: squashed ${branch} into main`));
    // The resolution was committed by the daemon as a merge commit (two parents), then pushed.
    const events = await fleet.cp.api.runs.events.query({ run: shown.runs[0]!.id, limit: 200 });
    const commit = events.map((e) => e.event).find((e) => e.type === 'workspace' && e.step === 'commit');
    const sha = commit?.type === 'workspace' ? String(commit.details?.commit) : '';
    const parents = spawnSync('git', ['--git-dir', remote.dir, 'rev-list', '--parents', '-n', '1', sha], {
      encoding: 'utf8',
    });
    expect(parents.stdout.trim().split(' ')).toHaveLength(3);
  });
});
