/**
 * One agent run with the REAL Claude Code CLI (pinned, installed on demand by the adapters'
 * installer) on the real daemon process, against the in-repo scripted Anthropic server: the CLI
 * reports progress through the `openase` wrapper from its Bash tool, writes a file in the
 * prepared worktree with its own Write tool, the daemon commits and pushes
 * it and reports the turn with the CLI's session id.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName, type AgentJobSpec } from '@openase/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle, startDaemon, type DaemonUnderTest } from '../../test-support/daemon-process.js';
import { startFakeModelServer, type FakeModelServer } from '../../test-support/fake-models/index.js';
import { createTestRemote, type TestRemote } from '../../test-support/git-remote.js';
import { ensureCli } from '../../test-support/real-clis.js';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';

let bundle: string;
let claude: string;
let server: FakeModelServer;
let remote: TestRemote;
let daemon: DaemonUnderTest | undefined;
let platform: TrpcRecorder;

beforeAll(async () => {
  claude = ensureCli('claude');
  bundle = await buildDaemonBundle();
  server = await startFakeModelServer();
  remote = createTestRemote();
  platform = await startTrpcRecorder();
}, 600_000);
afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) await daemon.stop();
  if (daemon) fs.rmSync(daemon.home, { recursive: true, force: true });
  await server?.close();
  await platform?.close();
  remote?.cleanup();
});

describe('agent run with the real Claude Code CLI', () => {
  it('runs one turn in the prepared worktree; the file the CLI wrote is pushed on the ticket branch', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-agent-claude-'));
    const identifier = 'DEMO-42';
    const title = 'Say hello';
    const worktree = path.join(home, 'workspaces', 'tickets', identifier, 'app');
    server.setScript('agent-run', { steps: [{ shell: 'openase progress "writing hello" --percent 50' }, { writeFile: { path: path.join(worktree, 'hello.txt'), content: 'Hello from Claude\n' } }, { text: 'wrote hello.txt' }] });
    daemon = await startDaemon({ bundle, home });
    const spec: AgentJobSpec = {
      kind: 'agent',
      ticket: { id: 't42', identifier, title, branch: ticketBranchName(identifier, title) },
      project: { slug: 'demo' },
      repos: [{ name: 'app', url: remote.url, defaultBranch: 'main' }],
      attempt: 1,
      maxAttempts: 1,
      agent: { adapter: 'claude-code', command: claude, args: [], prompt: 'Create hello.txt', maxTurns: 3, env: { ANTHROPIC_API_KEY: 'sk-ant-fake' }, provider: { baseUrl: server.baseUrl('agent-run'), maxRetries: 0 }, systemPrompt: 'You follow the OpenASE harness.', permissionMode: 'default', tools: { allow: [], deny: [] }, mcpServers: {}, skills: {} },
      hooks: {},
      paths: {},
      platform: { url: platform.url, token: 'oar_claude' },
    };
    daemon.send({ type: 'run.offer', runId: 'run-claude', leaseEpoch: 1, spec });
    const turn = await daemon.waitFrame('run.turn', (f) => f.runId === 'run-claude', 'the turn of the real CLI');
    expect(turn).toMatchObject({ turn: 1, ok: true, pathViolations: [] });
    const events = daemon.events('run-claude');
    const started = events.find((e) => e.type === 'session.started');
    expect(started).toMatchObject({ cliVersion: expect.any(String) });
    expect(turn.sessionId).toBe(started && 'sessionId' in started ? started.sessionId : undefined);
    expect(events.filter((e) => e.type === 'tool.call').map((e) => (e.type === 'tool.call' ? e.name : ''))).toEqual(['Bash', 'Write']);
    // The CLI's shell found the platform wrapper on its PATH and reached the platform as the run.
    expect(events.find((e) => e.type === 'command' && e.status === 'completed')).toMatchObject({ exitCode: 0, output: 'progress reported on DEMO-42 (50%)' });
    expect(platform.calls).toEqual([{ method: 'POST', procedure: 'tickets.reportProgress', input: { ticket: identifier, message: 'writing hello', percent: 50 }, authorization: 'Bearer oar_claude' }]);
    expect(remote.files(spec.ticket.branch)).toEqual(['README.md', 'hello.txt']);
    expect(remote.show(spec.ticket.branch, 'hello.txt')).toBe('Hello from Claude\n');
    daemon.send({ type: 'run.next', runId: 'run-claude', leaseEpoch: 1, turn: 1, action: 'stop', outcome: 'succeeded' });
    expect(await daemon.waitFrame('run.finished', (f) => f.runId === 'run-claude')).toMatchObject({ exitCode: 0 });
    // The harness went to the CLI's system prompt.
    expect(JSON.stringify(server.requestsFor('agent-run').find((r) => r.api === 'anthropic')!.body)).toContain('You follow the OpenASE harness.');
  });
});
