/**
 * Project AI end to end with real processes: the control plane (`openase serve` from the bundle)
 * with its `local` machine (a real daemon), the REAL Claude Code CLI against the in-repo fake
 * Anthropic server, real git with a local bare repository as the remote.
 *
 * - A conversation's agent creates two tickets with a dependency and edits a workflow's harness
 *   through its `openase` wrapper; the activity log shows each action attributed to the
 *   conversation and the person who started it; the next message continues the same run.
 * - Two conversations in parallel each get their own worktree on their own branch; a third waits
 *   for a slot of the 2-slot machine and starts when one is closed.
 * - A turn is interrupted without ending the conversation; the cost cap stops its run; one left
 *   waiting is closed after the idle time (`OPENASE_CHAT_IDLE_MINUTES`).
 * - `openase chat` one-shot (--json) and interactive (stdin), as real CLI processes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CP_BUNDLE, killLeftoverRuns, tempDir, waitFor, type ControlPlane } from '@openase/test-kit/fleet-harness';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { useFakeModelServer, type FakeStep } from '@openase/test-kit/fake-models';
import { startCliControlPlane } from './real-cli-control-plane.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const HARNESS = `---
name: dev
agent: claude
pickup: [Todo]
finish: [In Review]
max_turns: 12
---
Work on {{ ticket.identifier }}.
`;

/** Short enough to see a conversation closed for idleness here, long enough for the other tests' pauses. */
const IDLE_MINUTES = 0.5;

describe('Project AI with the real Claude Code CLI', () => {
  const models = useFakeModelServer();
  let cp: ControlPlane;
  let remote: TestRemote;
  let claude: string;

  beforeAll(async () => {
    remote = createTestRemote();
    ({ cp, command: claude } = await startCliControlPlane('claude', tempDir('cp-chat'), {
      OPENASE_CHAT_IDLE_MINUTES: String(IDLE_MINUTES),
      OPENASE_LOCAL_SLOTS: '2',
    }));
    await cp.api.projects.create.mutate({ name: 'Chat', slug: 'chat', ticketPrefix: 'PAI' });
    await cp.api.repositories.add.mutate({ project: 'chat', name: 'app', url: remote.url, defaultBranch: 'main' });
  });
  afterAll(async () => {
    killLeftoverRuns();
    await cp?.proc.kill();
    remote?.cleanup();
  });

  async function agentFor(name: string, steps: FakeStep[]): Promise<void> {
    models.server.setScript(name, { steps });
    await cp.api.agents.create.mutate({
      project: 'chat',
      name,
      adapter: 'claude-code',
      command: claude,
      env: {
        ANTHROPIC_API_KEY: 'sk-ant-fake',
        ANTHROPIC_BASE_URL: models.server.baseUrl(name),
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
    });
  }

  const show = (id: string) => cp.api.chat.show.query({ conversation: id });
  const waiting = (id: string) =>
    waitFor(
      () => `conversation ${id} to wait for a message\n${cp.proc.output.slice(-3000)}`,
      async () => ((await show(id)).activity === 'waiting' ? true : null),
      240_000,
    );
  const events = (run: string) => cp.api.runs.events.query({ run, limit: 1000 });
  /** Closes a conversation and waits for its run to end: the run holds a slot of the 2-slot machine until then. */
  const closeAndWait = async (conversation: string, run: string) => {
    await cp.api.chat.close.mutate({ conversation });
    await waitFor(`chat run ${run} to end`, async () =>
      (await cp.api.runs.show.query({ run })).state === 'succeeded' ? true : null,
    );
  };

  it('the agent creates two tickets with a dependency and edits a harness through its wrapper; the activity log attributes both to the conversation and its starter', async () => {
    await agentFor('planner', [
      { shell: 'openase ticket create --title "Login API"' },
      { shell: 'openase ticket create --title "Login page" --blocked-by PAI-1' },
      {
        shell:
          'openase workflow export dev --output harness.md && sed -i "s/max_turns: 12/max_turns: 20/" harness.md && openase workflow import harness.md',
      },
      { text: 'Created PAI-1 and PAI-2 (blocked by PAI-1); dev now allows 20 turns.' },
    ]);
    await cp.api.workflows.import.mutate({
      project: 'chat',
      source: HARNESS.replace('agent: claude', 'agent: planner'),
    });
    // Editing workflows is not a default Project-AI scope: the project grants it explicitly.
    const { scopes } = await cp.api.chat.settings.query({ project: 'chat' });
    await cp.api.chat.updateSettings.mutate({ project: 'chat', scopes: [...scopes, 'workflows.update'] });

    const started = await cp.api.chat.create.mutate({
      project: 'chat',
      agent: 'planner',
      message: 'Plan the login feature',
      attachments: [{ kind: 'workflow', workflow: 'dev' }],
    });
    const id = started.conversation.id;
    expect(started.conversation.branch).toBe(`openase/chat-${id.replace(/-/g, '').slice(0, 8)}`);
    await waiting(id);

    const api = await cp.api.tickets.show.query({ ticket: 'PAI-1' });
    const page = await cp.api.tickets.show.query({ ticket: 'PAI-2' });
    expect(api.title).toBe('Login API');
    expect(page.blockedBy.map((t) => t.identifier)).toEqual(['PAI-1']);
    const dev = await cp.api.workflows.export.query({ project: 'chat', workflow: 'dev' });
    expect(dev).toMatchObject({ version: 2, source: expect.stringContaining('max_turns: 20') });

    const who = `Project AI (conversation ${id.slice(0, 8)}, started by `;
    const log = (await cp.api.activity.list.query({ project: 'chat', limit: 500 })).items;
    const byAgent = log.filter((a) => a.actorName.startsWith(who));
    expect(byAgent.map((a) => a.action)).toEqual(
      expect.arrayContaining(['ticket.created', 'ticket.linked', 'workflow.versioned']),
    );
    expect(byAgent.every((a) => a.actorType === 'agent')).toBe(true);

    // The attachment reached the CLI rendered into the message; the reply is in the run's events.
    const requests = JSON.stringify(models.server.requestsFor('planner').map((r) => r.body));
    expect(requests).toContain('Attached workflow dev (version 1)');
    const runId = started.run.id;
    const replies = (await events(runId)).filter(
      (e) => e.event.type === 'message' && e.event.role === 'assistant' && !e.event.delta,
    );
    expect(replies.map((e) => (e.event as { text: string }).text).join('\n')).toContain('Created PAI-1 and PAI-2');

    // The next message continues the same run (the CLI's session), then closing ends it.
    const sent = await cp.api.chat.send.mutate({ conversation: id, message: 'Thanks!' });
    expect(sent).toMatchObject({ delivered: true, run: { id: runId } });
    await waitFor(
      'the second turn',
      async () =>
        (await events(runId)).some((e) => e.event.type === 'turn.finished' && e.event.turn === 2) ? true : null,
      240_000,
    );
    await waiting(id);
    const conversation = await show(id);
    expect(conversation.messages.map((m) => [m.text, m.turn])).toEqual([
      ['Plan the login feature', 1],
      ['Thanks!', 2],
    ]);
    expect(conversation.scopes).toContain('tickets.create');
    await closeAndWait(id, runId);
    // The worktree's leftovers were committed on the conversation's own branch and pushed.
    expect(remote.files(conversation.branch)).toContain('harness.md');
    expect(remote.files('main')).not.toContain('harness.md');
  });

  it('two conversations in parallel each have their own worktree and branch; neither sees the other’s files', async () => {
    await agentFor('left', [{ shell: 'echo left > left.txt && ls' }, { text: 'wrote left.txt' }]);
    await agentFor('right', [{ shell: 'echo right > right.txt && ls' }, { text: 'wrote right.txt' }]);
    const [a, b] = await Promise.all([
      cp.api.chat.create.mutate({ project: 'chat', agent: 'left', message: 'write left.txt' }),
      cp.api.chat.create.mutate({ project: 'chat', agent: 'right', message: 'write right.txt' }),
    ]);
    await Promise.all([waiting(a.conversation.id), waiting(b.conversation.id)]);
    const workspace = async (run: string) => {
      const prepared = (await events(run)).find((e) => e.event.type === 'workspace' && e.event.step === 'prepare')!
        .event as unknown as { details: { repos: Array<{ path: string; branch: string }> } };
      return prepared.details.repos[0]!;
    };
    const [left, right] = await Promise.all([workspace(a.run.id), workspace(b.run.id)]);
    expect(left.path).not.toBe(right.path);
    expect([left.branch, right.branch]).toEqual([a.conversation.branch, b.conversation.branch]);
    expect(a.conversation.branch).not.toBe(b.conversation.branch);
    expect(fs.readdirSync(left.path)).toContain('left.txt');
    expect(fs.readdirSync(left.path)).not.toContain('right.txt');
    expect(fs.readdirSync(right.path)).toContain('right.txt');
    expect(fs.readdirSync(right.path)).not.toContain('left.txt');
    // Both slots of the machine are held: a third conversation waits for one, and starts when
    // the first is closed.
    await agentFor('third', [{ text: 'third here' }]);
    const c = await cp.api.chat.create.mutate({ project: 'chat', agent: 'third', message: 'hello' });
    expect(c.run.waits).toMatch(/^waits for a free slot on local \(2 run\(s\) in 2 slot\(s\)\)$/);
    expect(await show(c.conversation.id)).toMatchObject({
      activity: 'starting',
      waitsForSlot: { machine: 'local', busy: 2, slots: 2 },
    });
    await closeAndWait(a.conversation.id, a.run.id);
    await waiting(c.conversation.id);
    await Promise.all([closeAndWait(b.conversation.id, b.run.id), closeAndWait(c.conversation.id, c.run.id)]);
    expect(remote.files(a.conversation.branch)).toContain('left.txt');
    expect(remote.files(a.conversation.branch)).not.toContain('right.txt');
  });

  it('an interrupted turn leaves the conversation waiting; the next message continues the same run', async () => {
    await agentFor('slow', [{ hang: true }]);
    const c = await cp.api.chat.create.mutate({ project: 'chat', agent: 'slow', message: 'think hard' });
    const id = c.conversation.id;
    await waitFor(
      'the model request to hang',
      async () =>
        models.server.requestsFor('slow').length > 0 && (await show(id)).activity === 'working' ? true : null,
      240_000,
    );
    await cp.api.chat.interrupt.mutate({ conversation: id });
    await waiting(id);
    const interrupted = (await events(c.run.id)).find((e) => e.event.type === 'turn.finished');
    expect(interrupted?.event).toMatchObject({ turn: 1, ok: false });
    models.server.setScript('slow', { steps: [{ text: 'sorry, here is the short answer' }] });
    await cp.api.chat.send.mutate({ conversation: id, message: 'shorter please' });
    await waitFor(
      'the second turn',
      async () =>
        (await events(c.run.id)).some((e) => e.event.type === 'turn.finished' && e.event.turn === 2 && e.event.ok)
          ? true
          : null,
      240_000,
    );
    // The turn's event is stored before the daemon's turn frame makes the conversation wait.
    await waiting(id);
    await expect(cp.api.chat.interrupt.mutate({ conversation: id })).rejects.toThrow(
      /waiting for your message|no agent turn/,
    );
    await closeAndWait(id, c.run.id);
  });

  it('the cost cap stops the conversation’s run and refuses new messages until it is raised', async () => {
    await agentFor('costly', [{ text: 'an expensive answer' }]);
    models.server.setScript('costly', {
      steps: [{ text: 'an expensive answer' }],
      usage: { input: 2_000_000, output: 10_000 },
    });
    const c = await cp.api.chat.create.mutate({ project: 'chat', agent: 'costly', message: 'hello', costCapUsd: 0.01 });
    await waitFor(
      'the capped run to end',
      async () => {
        const run = await cp.api.runs.show.query({ run: c.run.id });
        return run.state === 'failed' ? run : null;
      },
      240_000,
    );
    const run = await cp.api.runs.show.query({ run: c.run.id });
    expect(run.stateReason).toMatch(/cost cap of \$0\.01 is spent/);
    await expect(cp.api.chat.send.mutate({ conversation: c.conversation.id, message: 'more' })).rejects.toThrow(
      /spent its cost cap/,
    );
  });

  it('a conversation left waiting for a message is closed after the idle time, freeing its slot', async () => {
    await agentFor('forgotten', [{ text: 'anything else?' }]);
    const c = await cp.api.chat.create.mutate({ project: 'chat', agent: 'forgotten', message: 'hello' });
    await waiting(c.conversation.id);
    await waitFor(
      'the idle conversation to be closed',
      async () => ((await show(c.conversation.id)).state === 'closed' ? true : null),
      120_000,
    );
    await waitFor('its run to end', async () =>
      (await cp.api.runs.show.query({ run: c.run.id })).state === 'succeeded' ? true : null,
    );
    const log = (await cp.api.activity.list.query({ project: 'chat', limit: 1000 })).items;
    expect(log.find((a) => a.action === 'chat.closed' && a.entityId === c.conversation.id)).toMatchObject({
      actorName: 'orchestrator',
      summary: expect.stringMatching(/closed after 30 s without a message/),
    });
    expect(cp.proc.output).toContain(`closed Project AI conversation ${c.conversation.id.slice(0, 8)}`);
  });

  it('openase chat: one-shot --json and the interactive prompt, as real processes', async () => {
    await agentFor('oneshot', [
      { shell: 'openase ticket create --title "From the terminal"' },
      { text: 'Created it.' },
    ]);
    const env = { ...process.env, OPENASE_URL: cp.url, OPENASE_TOKEN: cp.token };
    const json = await runCli(
      ['chat', '--project', 'chat', '--agent', 'oneshot', '--message', 'make a ticket', '--json', '--close'],
      env,
    );
    expect(json.code, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout) as {
      conversation: string;
      reply: string;
      turn: number;
      toolCalls: unknown[];
      costUsd: number;
    };
    expect(answer).toMatchObject({ turn: 1, reply: expect.stringContaining('Created it.') });
    expect(answer.toolCalls.length).toBe(1);
    const tickets = (await cp.api.tickets.list.query({ project: 'chat' })).items;
    expect(tickets.map((t) => t.title)).toContain('From the terminal');

    await agentFor('talker', [{ text: 'Hello from Project AI' }]);
    const talk = await runCli(['chat', '--project', 'chat', '--agent', 'talker'], env, 'hi there\n/quit\n');
    expect(talk.code, talk.stderr).toBe(0);
    expect(talk.stdout).toContain('ai> Hello from Project AI');
    expect(talk.stderr).toMatch(/left conversation [0-9a-f]{8}/);
    expect(await runCli(['chat', '--project', 'chat', '--json'], env)).toMatchObject({ code: 2 });
    const listed = await runCli(['chat', 'list', '--project', 'chat', '--json'], env);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBeGreaterThanOrEqual(6);
  });
});

/** The CLI as a child process, asynchronously: this test process also serves the fake model API. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CP_BUNDLE, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
