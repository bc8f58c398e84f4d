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
 *   conversation's own branch (never the default branch), recorded on the conversation's run.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildBundles,
  killLeftoverRuns,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
} from './fleet-harness.js';
import { createTestRemote, type TestRemote } from '../../agent-daemon/test-support/git-remote.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

const STAND_IN = path.resolve(__dirname, '../../agent-daemon/test-support/stand-in-agent.mjs');
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

describe('Project AI and git, sandboxed', () => {
  let cp: ControlPlane;
  let remote: TestRemote;

  beforeAll(async () => {
    buildBundles();
    remote = createTestRemote();
    cp = await startControlPlane(tempDir('cp-chat-git'), { localMachine: true });
    await waitFor(
      'machine local online',
      async () => (await cp.api.machines.show.query({ name: 'local' })).status === 'online',
    );
    await cp.api.projects.create.mutate({ name: 'Git AI', slug: 'gitai', ticketPrefix: 'GAI' });
    await cp.api.repositories.add.mutate({ project: 'gitai', name: 'app', url: remote.url, defaultBranch: 'main' });
    await cp.api.agents.create.mutate({
      project: 'gitai',
      name: 'stand-in',
      adapter: 'custom',
      command: process.execPath,
      args: [STAND_IN],
      env: { STAND_IN_SCRIPT_JSON: JSON.stringify(SCRIPT) },
    });
  });
  afterAll(async () => {
    killLeftoverRuns();
    await cp?.proc.kill();
    remote?.cleanup();
  });

  it('its own repository and its branch, yes; the history of the project repository, only through the daemon', async () => {
    const { conversation, run } = await cp.api.chat.create.mutate({
      project: 'gitai',
      agent: 'stand-in',
      message: 'write a plan',
    });
    await waitFor(
      () => `the conversation to wait\n${cp.proc.output.slice(-3000)}`,
      async () => (await cp.api.chat.show.query({ conversation: conversation.id })).activity === 'waiting',
    );
    const events = (await cp.api.runs.events.query({ run: run.id, limit: 500 })).map((e) => e.event);
    const said = JSON.stringify(events);
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
    await cp.api.chat.close.mutate({ conversation: conversation.id });
  });
});
