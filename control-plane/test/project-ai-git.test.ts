/**
 * Project AI and git under the sandbox (issue point 5), with real processes: the control plane and
 * its `local` daemon (bubblewrap), a real bare remote, the stand-in agent as the conversation's CLI.
 * What a conversation can do with git from its workspace, and how:
 *
 * - it cannot write the repository's history itself (a branch, a commit in its worktree): the
 *   worktree's git data lives in the machine's cache, read-only inside the sandbox — like a ticket's
 *   agent;
 * - it can initialise a new repository in its workspace and commit there (its own files);
 * - what it changes in its worktree is committed by the daemon after each turn and pushed to the
 *   conversation's own branch (never the default branch), recorded on the conversation's run;
 * - it can create a new project repository: initialise it in its workspace, push it to the empty remote
 *   the person gave (here a bare repository under /tmp, writable inside the sandbox like a network
 *   remote) and attach it with `openase repo add` — only when an admin granted `repositories.add`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { tempDir, waitFor } from '@openase/test-kit/fleet-harness';
import { standInAgent, useLocalFleet } from './local-fleet.js';
import type { TestRemote } from '@openase/test-kit/git-remote';

const SCRATCH = '"$OPENASE_WORKSPACE/scratch"';
const SCRIPT = {
  steps: [
    { write: { path: 'PLAN.md', content: '# plan\n' } },
    { run: 'git checkout -q -b side 2>&1; echo "branch exit $?"' },
    { run: 'git add PLAN.md 2>&1; echo "add exit $?"' },
    {
      run: `git init -q ${SCRATCH} && git -C ${SCRATCH} -c user.name=ai -c user.email=ai@example.invalid commit -q --allow-empty -m init && echo "scratch ok $(git -C ${SCRATCH} rev-list --count HEAD)"`,
    },
    { text: 'wrote PLAN.md' },
  ],
};

/** Initialises a repository in the workspace, pushes it to `remote` and attaches it as `lib`. */
function newRepoScript(remote: string) {
  const dir = '"$OPENASE_WORKSPACE/lib"';
  const git = `git -C ${dir} -c user.name=ai -c user.email=ai@example.invalid`;
  return {
    steps: [
      {
        run: `git init -q -b main ${dir} && echo '# lib' > ${dir}/README.md && ${git} add README.md && ${git} commit -q -m 'Start lib' && ${git} push -q ${remote} main 2>&1; echo "push exit $?"`,
      },
      { run: `"$OPENASE_WORKSPACE/.openase/bin/openase" repo add ${remote} --name lib 2>&1; echo "repo add exit $?"` },
      { text: 'lib is set up' },
    ],
  };
}

describe('Project AI and git, sandboxed', () => {
  const fleet = useLocalFleet({ name: 'cp-chat-git' });
  let remote: TestRemote;

  beforeAll(async () => {
    remote = fleet.remote();
    await fleet.project({ name: 'Git AI', slug: 'gitai', ticketPrefix: 'GAI', repoUrl: remote.url, script: SCRIPT });
  });

  /** Starts a conversation with `agent`; its run's events once it waits for the person (then closed). */
  async function converse(agent: string, message: string) {
    const { conversation, run } = await fleet.cp.api.chat.create.mutate({ project: 'gitai', agent, message });
    await waitFor(
      () => `the conversation to wait\n${fleet.cp.proc.output.slice(-3000)}`,
      async () => (await fleet.cp.api.chat.show.query({ conversation: conversation.id })).activity === 'waiting',
    );
    const events = (await fleet.cp.api.runs.events.query({ run: run.id, limit: 500 })).map((e) => e.event);
    await fleet.cp.api.chat.close.mutate({ conversation: conversation.id });
    return { events, said: JSON.stringify(events), conversation };
  }

  it('its own repository and its branch, yes; the history of the project repository, only through the daemon', async () => {
    const { events, said, conversation } = await converse('stand-in', 'write a plan');
    // The sandbox: no branch, not even an index write, in the worktree of the project repository.
    expect(said).toMatch(/branch exit (?!0)\d+/);
    expect(said).toMatch(/add exit (?!0)\d+/);
    // A repository of its own in its workspace: initialised and committed to.
    expect(said).toContain('scratch ok 1');
    // The daemon committed the turn and pushed the conversation's branch.
    const steps = events.flatMap((e) => (e.type === 'workspace' ? [`${e.step}:${e.ok}`] : []));
    expect(steps).toEqual(expect.arrayContaining(['commit:true', 'push:true']));
    expect(remote.files(conversation.branch)).toContain('PLAN.md');
    expect(remote.files('main')).not.toContain('PLAN.md');
    expect(remote.files('side')).toBeNull();
  });

  it('creates a new project repository: initialised, pushed and attached with the granted scope', async () => {
    const bare = path.join(tempDir('new-remote'), 'lib.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    await fleet.cp.api.agents.create.mutate({
      project: 'gitai',
      name: 'lib-maker',
      ...standInAgent(newRepoScript(bare)),
    });
    // Not in the default Project-AI scopes (refused naming it: src/chat/chat.test.ts); an admin grants it.
    const { scopes } = await fleet.cp.api.chat.settings.query({ project: 'gitai' });
    expect(scopes).not.toContain('repositories.add');
    await fleet.cp.api.chat.updateSettings.mutate({ project: 'gitai', scopes: [...scopes, 'repositories.add'] });
    const made = await converse('lib-maker', 'start a lib repository');
    expect(made.said).toContain('push exit 0');
    expect(made.said).toContain(`added repository lib (${bare}, branch main)`);
    const repos = await fleet.cp.api.repositories.list.query({ project: 'gitai' });
    expect(repos.find((r) => r.name === 'lib')).toMatchObject({ url: bare, defaultBranch: 'main' });
    const log = execFileSync('git', ['--git-dir', bare, 'log', '--format=%s', 'main'], { encoding: 'utf8' });
    expect(log.trim()).toBe('Start lib');
    const activity = (await fleet.cp.api.activity.list.query({ project: 'gitai', limit: 100 })).items;
    const added = activity.find((a) => a.action === 'repository.added' && a.summary.includes('lib'));
    expect(added).toMatchObject({ actorType: 'agent' });
    expect(added!.actorName).toMatch(
      new RegExp(`^Project AI \\(conversation ${made.conversation.id.slice(0, 8)}, started by `),
    );
  });
});
