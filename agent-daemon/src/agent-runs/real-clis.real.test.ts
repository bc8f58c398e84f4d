/**
 * Agent runs with the REAL agent CLIs (pinned, installed on demand by the adapters' installer) on
 * the real daemon process, against the in-repo scripted model servers: in one turn the CLI reaches
 * the platform through its `openase` (the person's CLI, as the run) from its shell tool — reports
 * progress with the short form, comments and moves its ticket with `openase ticket …` — writes a file in the prepared
 * worktree with its own file tool, and the daemon commits and pushes it and reports the turn with
 * the CLI's session id.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName } from '@openase/shared/domain/naming';
import { type AgentJobSpec } from '@openase/shared/protocol/agent-run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle, startDaemon, type DaemonUnderTest } from '@openase/test-kit/daemon-process';
import { startFakeModelServer, type FakeModelServer, type FakeStep } from '@openase/test-kit/fake-models';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { ensureCli } from '@openase/test-kit/real-clis';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';

let bundle: string;
let server: FakeModelServer;
let platform: TrpcRecorder;
const cleanups: Array<() => void | Promise<void>> = [];

beforeAll(async () => {
  bundle = await buildDaemonBundle();
  server = await startFakeModelServer();
  platform = await startTrpcRecorder();
  platform.answer('tickets.reportProgress', { data: { percent: 50 } });
  platform.answer('comments.add', { data: { id: '0c0ffee0-0000-4000-8000-000000000000' } });
}, 120_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await server?.close();
  await platform?.close();
});

interface Case {
  identifier: string;
  agent: (script: string) => AgentJobSpec['agent'];
  /** The model's steps; `worktree` is where the ticket's worktree will be. */
  steps: (worktree: string) => FakeStep[];
  /** Gemini's session start does not say its version. */
  noCliVersion?: boolean;
}

async function oneTurn(
  c: Case,
): Promise<{ daemon: DaemonUnderTest; remote: TestRemote; spec: AgentJobSpec; runId: string }> {
  const remote = createTestRemote();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-agent-real-'));
  const daemon = await startDaemon({ bundle, home });
  cleanups.push(async () => {
    if (daemon.child.exitCode === null) await daemon.stop();
    fs.rmSync(home, { recursive: true, force: true });
    remote.cleanup();
  });
  const title = 'Say hello';
  server.setScript(c.identifier, { steps: c.steps(path.join(home, 'workspaces', 'tickets', c.identifier, 'app')) });
  const spec: AgentJobSpec = {
    kind: 'agent',
    ticket: { id: `t-${c.identifier}`, identifier: c.identifier, title, branch: ticketBranchName(c.identifier, title) },
    project: { slug: 'demo' },
    repos: [{ name: 'app', url: remote.url, defaultBranch: 'main' }],
    attempt: 1,
    maxAttempts: 1,
    agent: c.agent(c.identifier),
    hooks: {},
    paths: {},
    platform: { url: platform.url, token: `oar_${c.identifier}` },
  };
  const runId = `run-${c.identifier}`;
  platform.answer('tickets.move', { data: { identifier: c.identifier } });
  daemon.send({ type: 'run.offer', runId, leaseEpoch: 1, spec });
  return { daemon, remote, spec, runId };
}

async function expectTurnPushedAndReported(c: Case): Promise<void> {
  const { daemon, remote, spec, runId } = await oneTurn(c);
  const turn = await daemon.waitFrame('run.turn', (f) => f.runId === runId, 'the turn of the real CLI');
  expect(turn).toMatchObject({ turn: 1, ok: true, pathViolations: [] });
  const events = daemon.events(runId);
  const started = events.find((e) => e.type === 'session.started');
  expect(started).toMatchObject(c.noCliVersion ? { type: 'session.started' } : { cliVersion: expect.any(String) });
  expect(turn.sessionId).toBe(started && 'sessionId' in started ? started.sessionId : undefined);
  expect(events).toContainEqual(expect.objectContaining({ type: 'file.change', path: 'hello.txt', kind: 'add' }));
  // The CLI's shell reached the platform through its `openase` (the person's CLI), as the run: the short form and
  // the full grammar.
  const completed = events.filter((e) => e.type === 'command' && e.status === 'completed');
  expect(completed.map((e) => ('output' in e ? e.output : ''))).toEqual([
    expect.stringContaining(`reported progress on ${c.identifier} (50%)`),
    expect.stringContaining(`added comment 0c0ffee0-0000-4000-8000-000000000000 on ${c.identifier}`),
    expect.stringContaining(`moved ${c.identifier} to In Review`),
  ]);
  const auth = `Bearer oar_${c.identifier}`;
  expect(
    platform.calls.filter((call) => call.authorization === auth).map((call) => [call.procedure, call.input]),
  ).toEqual([
    ['tickets.reportProgress', { ticket: c.identifier, text: 'writing hello', percent: 50 }],
    ['comments.add', { ticket: c.identifier, body: 'hello.txt is next' }],
    ['tickets.move', { ticket: c.identifier, status: 'In Review' }],
  ]);
  expect(remote.files(spec.ticket.branch)).toEqual(['README.md', 'hello.txt']);
  expect(remote.show(spec.ticket.branch, 'hello.txt')).toBe('Hello from the agent\n');
  daemon.send({ type: 'run.next', runId, leaseEpoch: 1, turn: 1, action: 'stop', outcome: 'succeeded' });
  expect(await daemon.waitFrame('run.finished', (f) => f.runId === runId)).toMatchObject({ exitCode: 0 });
  // The harness went to the CLI as its system prompt / developer instructions.
  expect(JSON.stringify(server.requestsFor(c.identifier).map((r) => r.body))).toContain(
    'You follow the OpenASE harness.',
  );
}

const base = {
  args: [] as string[],
  maxTurns: 3,
  systemPrompt: 'You follow the OpenASE harness.',
  tools: { allow: [] as string[], deny: [] as string[] },
  mcpServers: {},
  skills: {},
};

describe('agent runs with the real CLIs', () => {
  it('Claude Code: the wrapper found on PATH, a file written with its own tool, pushed and reported', async () => {
    const claude = ensureCli('claude');
    await expectTurnPushedAndReported({
      identifier: 'CLAUDE-1',
      agent: (script) => ({
        ...base,
        adapter: 'claude-code',
        command: claude,
        prompt: 'Create hello.txt',
        env: { ANTHROPIC_API_KEY: 'sk-ant-fake' },
        provider: { baseUrl: server.baseUrl(script), maxRetries: 0 },
        permissionMode: 'default',
      }),
      steps: (worktree) => [
        { shell: 'openase progress "writing hello" --percent 50' },
        { shell: 'openase ticket comment "$OPENASE_TICKET" "hello.txt is next"' },
        { shell: 'openase ticket move "$OPENASE_TICKET" "In Review"' },
        { writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from the agent\n' } },
        { text: 'wrote hello.txt' },
      ],
    });
  }, 600_000);

  // Permission mode `default`: commands come to the daemon as approvals and run in Codex's
  // `workspace-write` sandbox, whose network the daemon's config.toml enables so the wrapper
  // reaches the platform (without it: "connect EPERM").
  it('Codex (default mode, sandboxed): its login shell resets PATH, so the wrapper is called by its absolute path ($OPENASE_CLI)', async () => {
    const codex = ensureCli('codex');
    await expectTurnPushedAndReported({
      identifier: 'CODEX-1',
      agent: (script) => ({
        ...base,
        adapter: 'codex',
        command: codex,
        prompt: 'Create hello.txt',
        env: { FAKE_OPENAI_API_KEY: 'dummy' },
        provider: { baseUrl: `${server.baseUrl(script)}/v1`, apiKeyEnv: 'FAKE_OPENAI_API_KEY', maxRetries: 0 },
        permissionMode: 'default',
      }),
      steps: () => [
        { shell: '"$OPENASE_CLI" progress "writing hello" --percent 50' },
        { shell: '"$OPENASE_CLI" ticket comment "$OPENASE_TICKET" "hello.txt is next"' },
        { shell: '"$OPENASE_CLI" ticket move "$OPENASE_TICKET" "In Review"' },
        { writeFile: { path: 'hello.txt', content: 'Hello from the agent\n' } },
        { text: 'wrote hello.txt' },
      ],
    });
  }, 600_000);

  it('Gemini: its shell reaches the platform with the same openase ticket … grammar', async () => {
    const gemini = ensureCli('gemini');
    await expectTurnPushedAndReported({
      identifier: 'GEMINI-1',
      noCliVersion: true,
      agent: (script) => ({
        ...base,
        adapter: 'gemini',
        command: gemini,
        prompt: 'Create hello.txt',
        env: { GEMINI_API_KEY: 'dummy' },
        provider: { baseUrl: server.baseUrl(script) },
        permissionMode: 'bypassPermissions',
      }),
      steps: (worktree) => [
        { shell: '"$OPENASE_CLI" progress "writing hello" --percent 50' },
        { shell: '"$OPENASE_CLI" ticket comment "$OPENASE_TICKET" "hello.txt is next"' },
        { shell: '"$OPENASE_CLI" ticket move "$OPENASE_TICKET" "In Review"' },
        { writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from the agent\n' } },
        { text: 'wrote hello.txt' },
      ],
    });
  }, 600_000);
});
