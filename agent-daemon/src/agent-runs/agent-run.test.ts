/**
 * Agent runs end to end on the real daemon process: the test plays the control plane over the
 * stdio transport, the agent is the scripted stand-in program (adapter `custom`), git is real with
 * a local bare remote, hooks are real shell commands and the wrapper calls a recording HTTP server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName } from '@openase/shared/domain/naming';
import { type AgentJobSpec, type HookSpecWire } from '@openase/shared/protocol/agent-run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle, startDaemon, waitFor, type DaemonUnderTest } from '@openase/test-kit/daemon-process';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';
import { runProcessAlive } from '../../test-support/processes.js';
import { standInAgent } from '@openase/test-kit/stand-in';

let bundle: string;
let platform: TrpcRecorder;
const cleanups: Array<() => void | Promise<void>> = [];
let counter = 0;

beforeAll(async () => {
  bundle = await buildDaemonBundle();
  platform = await startTrpcRecorder();
}, 120_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await platform?.close();
});

type Step = Record<string, unknown>;
interface JobOptions {
  identifier?: string;
  title?: string;
  turns: Array<{ steps: Step[] }>;
  hooks?: Partial<Record<string, HookSpecWire[]>>;
  paths?: AgentJobSpec['paths'];
}

function remote(): TestRemote {
  const r = createTestRemote({ 'README.md': '# demo\n', 'src/app.txt': 'v1\n' });
  cleanups.push(() => r.cleanup());
  return r;
}

async function daemon(): Promise<DaemonUnderTest> {
  const d = await startDaemon({ bundle });
  cleanups.push(async () => {
    if (d.child.exitCode === null) await d.stop();
    fs.rmSync(d.home, { recursive: true, force: true });
  });
  return d;
}

function job(r: TestRemote, o: JobOptions): AgentJobSpec {
  const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-script-')), 'script.json');
  fs.writeFileSync(scriptFile, JSON.stringify({ turns: o.turns }));
  const identifier = o.identifier ?? `DEMO-${++counter}`;
  const title = o.title ?? 'Add a greeting';
  return {
    kind: 'agent',
    ticket: { id: `ticket-${identifier}`, identifier, title, branch: ticketBranchName(identifier, title) },
    project: { slug: 'demo' },
    repos: [{ name: 'app', url: r.url, defaultBranch: 'main' }],
    attempt: 1,
    maxAttempts: 3,
    agent: standInAgent(scriptFile, { prompt: 'do the task', maxTurns: 10, env: { SECRET_FOR_AGENT: 's3cret' } }),
    hooks: o.hooks ?? {},
    paths: o.paths ?? {},
    platform: { url: platform.url, token: 'oar_test_token' },
  };
}

const hook = (run: string, policy: HookSpecWire['policy'] = 'block'): HookSpecWire => ({ run, timeout: 30, policy });

async function offer(d: DaemonUnderTest, spec: AgentJobSpec): Promise<string> {
  const runId = `run-${spec.ticket.identifier}`;
  d.send({ type: 'run.offer', runId, leaseEpoch: 1, spec });
  await d.waitFrame('run.accept', (f) => f.runId === runId);
  return runId;
}

const turnFrame = (d: DaemonUnderTest, runId: string, turn: number) =>
  d.waitFrame('run.turn', (f) => f.runId === runId && f.turn === turn, `run.turn ${turn} of ${runId}`);
const finished = (d: DaemonUnderTest, runId: string) =>
  d.waitFrame('run.finished', (f) => f.runId === runId, `run.finished of ${runId}`);
const next = (
  d: DaemonUnderTest,
  runId: string,
  turn: number,
  action: 'continue' | 'finish' | 'stop',
  extra: { input?: string; outcome?: 'succeeded' | 'failed'; reason?: string } = {},
) => d.send({ type: 'run.next', runId, leaseEpoch: 1, turn, action, ...extra });
const ofType = <T extends string>(d: DaemonUnderTest, runId: string, type: T) =>
  d.events(runId).filter((e) => e.type === type) as Array<
    Extract<ReturnType<DaemonUnderTest['events']>[number], { type: T }>
  >;

describe('agent runs on the daemon', () => {
  it('prepares the worktree, runs a turn whose agent writes a file, commits and pushes it, reports the turn and finishes on stop', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [
        {
          steps: [
            { write: { path: 'hello.txt', content: 'hello\n' } },
            {
              env: [
                'OPENASE_TICKET',
                'OPENASE_RUN',
                'OPENASE_ATTEMPT',
                'OPENASE_URL',
                'OPENASE_TOKEN',
                'OPENASE_WORKSPACE',
                'SECRET_FOR_AGENT',
              ],
            },
            { run: ['openase', 'ticket', 'comment', 'started the greeting'] },
            { text: 'wrote hello.txt' },
          ],
        },
      ],
      hooks: {
        on_claim: [hook('echo claimed > "$OPENASE_WORKSPACE/.openase/claimed"')],
        on_done: [hook('echo "done $OPENASE_TICKET" > "$OPENASE_WORKSPACE/.openase/done"')],
      },
    });
    platform.answer('comments.add', { data: { id: '0c0ffee0-0000-4000-8000-000000000000' } });
    const runId = await offer(d, spec);
    await d.waitFrame('run.started', (f) => f.runId === runId);
    const turn = await turnFrame(d, runId, 1);
    expect(turn).toMatchObject({ ok: true, afterTurnFailed: false, pathViolations: [] });
    expect(turn.error).toBeUndefined();
    // The branch with the agent's commit is on the remote when run.turn arrives.
    expect(r.files(spec.ticket.branch)).toEqual(['README.md', 'hello.txt', 'src/app.txt']);
    expect(r.log(spec.ticket.branch)[0]).toBe(`${spec.ticket.identifier}: Add a greeting (turn 1)`);
    const tip = execFileSync('git', ['--git-dir', r.dir, 'rev-parse', `refs/heads/${spec.ticket.branch}`], {
      encoding: 'utf8',
    }).trim();
    const main = execFileSync('git', ['--git-dir', r.dir, 'rev-parse', 'refs/heads/main'], { encoding: 'utf8' }).trim();
    // `base`: where the run started (what it changed is base..head).
    expect(turn.commits).toEqual([{ repo: 'app', branch: spec.ticket.branch, head: tip, base: main, pushed: true }]);
    // Every event of the turn was sent before run.turn (lastSeq covers them).
    expect(d.events(runId).length).toBeGreaterThanOrEqual(turn.lastSeq);
    const env = JSON.parse(ofType(d, runId, 'message').find((m) => m.role === 'system')!.text) as Record<
      string,
      string
    >;
    const workspace = path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier);
    expect(env).toEqual({
      OPENASE_TICKET: spec.ticket.identifier,
      OPENASE_RUN: runId,
      OPENASE_ATTEMPT: '1',
      OPENASE_URL: platform.url,
      OPENASE_TOKEN: 'oar_test_token',
      OPENASE_WORKSPACE: workspace,
      SECRET_FOR_AGENT: 's3cret',
    });
    // The agent reached the platform through the wrapper on its PATH.
    expect(ofType(d, runId, 'command')[0]).toMatchObject({
      status: 'completed',
      output: `added comment 0c0ffee0-0000-4000-8000-000000000000 on ${spec.ticket.identifier}`,
    });
    expect(platform.calls).toContainEqual({
      method: 'POST',
      procedure: 'comments.add',
      input: { ticket: spec.ticket.identifier, body: 'started the greeting' },
      authorization: 'Bearer oar_test_token',
    });
    const wrapper = path.join(workspace, '.openase', 'bin', 'openase');
    expect(fs.statSync(wrapper).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(workspace, '.openase', 'claimed'), 'utf8')).toBe('claimed\n');
    const types = d.events(runId).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['progress', 'workspace', 'hook', 'turn.started', 'file.change', 'turn.finished']),
    );
    expect(ofType(d, runId, 'workspace').map((e) => e.step)).toEqual(['prepare', 'paths', 'commit', 'push']);

    next(d, runId, 1, 'stop', { outcome: 'succeeded', reason: 'ticket moved to Done' });
    const end = await finished(d, runId);
    expect(end).toMatchObject({ exitCode: 0, signal: null, reason: 'ticket moved to Done' });
    expect(end.lastSeq).toBe(d.events(runId).length);
    expect(fs.readFileSync(path.join(workspace, '.openase', 'done'), 'utf8')).toBe(`done ${spec.ticket.identifier}\n`);
    expect(d.invalid).toEqual([]);
    // The closing ack removed the run's folder; the workspace stays until workspace.remove.
    await waitFor(() => !fs.existsSync(path.join(d.home, 'runs', runId)), 'the run folder to be removed');
    d.send({
      type: 'workspace.remove',
      ticket: { identifier: spec.ticket.identifier },
      repos: [{ name: 'app', url: r.url }],
    });
    expect(await d.waitFrame('workspace.removed')).toEqual({
      type: 'workspace.removed',
      ticket: { identifier: spec.ticket.identifier },
      ok: true,
    });
    expect(fs.existsSync(workspace)).toBe(false);
  });

  it('finish runs the before_finish gate; a failure goes back as run.gate and the next turn carries it to the agent', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [
        { steps: [{ write: { path: 'feature.txt', content: 'half done\n' } }] },
        { steps: [{ write: { path: 'tests-pass.txt', content: 'yes\n' } }] },
      ],
      hooks: {
        before_finish: [
          hook(
            'if [ -f tests-pass.txt ]; then echo all green; else echo "FAIL: tests-pass.txt is missing"; exit 3; fi',
          ),
        ],
        on_error: [hook('touch "$OPENASE_WORKSPACE/.openase/errored"')],
      },
    });
    const runId = await offer(d, spec);
    await turnFrame(d, runId, 1);
    next(d, runId, 1, 'finish');
    const failedGate = await d.waitFrame('run.gate', (f) => f.runId === runId);
    expect(failedGate).toMatchObject({ turn: 1, passed: false });
    expect(failedGate.output).toContain('failed with exit code 3');
    expect(failedGate.output).toContain('FAIL: tests-pass.txt is missing');
    // A repeated answer to the turn (e.g. after a resend) must not be taken as the gate's answer.
    next(d, runId, 1, 'finish');
    next(d, runId, 1, 'continue', { input: `The checks failed:\n${failedGate.output}` });
    const second = await turnFrame(d, runId, 2);
    expect(second.ok).toBe(true);
    const userMessages = ofType(d, runId, 'message')
      .filter((m) => m.role === 'user')
      .map((m) => m.text);
    expect(userMessages).toEqual(['do the task', `The checks failed:\n${failedGate.output}`]);
    next(d, runId, 2, 'finish');
    const passed = await d.waitFrame('run.gate', (f) => f.runId === runId && f.turn === 2);
    expect(passed).toMatchObject({ passed: true, output: '' });
    next(d, runId, 2, 'stop', { outcome: 'succeeded' });
    expect(await finished(d, runId)).toMatchObject({ exitCode: 0 });
    expect(r.log(spec.ticket.branch).slice(0, 2)).toEqual([
      `${spec.ticket.identifier}: Add a greeting (turn 2)`,
      `${spec.ticket.identifier}: Add a greeting (turn 1)`,
    ]);
    const gateHooks = ofType(d, runId, 'hook').filter((h) => h.hook === 'before_finish' && h.status !== 'started');
    expect(gateHooks.map((h) => h.status)).toEqual(['failed', 'passed']);
  });

  it('reports paths changed outside the harness rules, and a failing after_turn hook; stop as failed runs on_error', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [
        {
          steps: [
            { write: { path: 'src/ok.txt', content: 'fine\n' } },
            { write: { path: '.github/workflows/ci.yml', content: 'on: push\n' } },
            { write: { path: 'docs/notes.md', content: 'x\n' } },
          ],
        },
      ],
      paths: { allow: ['src/**', 'docs/**'], deny: ['docs/**'] },
      hooks: {
        after_turn: [hook('echo lint failed; exit 1')],
        on_error: [hook('touch "$OPENASE_WORKSPACE/.openase/errored"')],
      },
    });
    const runId = await offer(d, spec);
    const turn = await turnFrame(d, runId, 1);
    expect(turn.afterTurnFailed).toBe(true);
    expect(turn.pathViolations).toEqual([
      { path: '.github/workflows/ci.yml', rule: 'not in paths.allow (src/**, docs/**)' },
      { path: 'docs/notes.md', rule: 'denied by paths.deny "docs/**"' },
    ]);
    expect(ofType(d, runId, 'workspace').find((e) => e.step === 'paths')).toMatchObject({ ok: false });
    next(d, runId, 1, 'stop', { outcome: 'failed', reason: 'path rules broken' });
    expect(await finished(d, runId)).toMatchObject({ exitCode: 1, reason: 'path rules broken' });
    expect(
      fs.existsSync(path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier, '.openase', 'errored')),
    ).toBe(true);
  });

  it('cancel interrupts the agent, runs on_cancel hooks and finishes as canceled', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'thinking hard' }, { hang: true }] }],
      hooks: { on_cancel: [hook('echo "canceled $OPENASE_RUN" > "$OPENASE_WORKSPACE/.openase/canceled"')] },
    });
    const runId = await offer(d, spec);
    await waitFor(() => ofType(d, runId, 'message').some((m) => m.text === 'thinking hard'), 'the agent to be working');
    d.send({ type: 'run.cancel', runId, leaseEpoch: 1, graceMs: 2000 });
    const end = await finished(d, runId);
    expect(end).toMatchObject({ exitCode: null, reason: 'canceled' });
    expect(d.framesOf('run.turn', runId)).toEqual([]);
    expect(
      fs.readFileSync(
        path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier, '.openase', 'canceled'),
        'utf8',
      ),
    ).toBe(`canceled ${runId}\n`);
    expect(ofType(d, runId, 'turn.finished')).toEqual([expect.objectContaining({ ok: false, reason: 'interrupted' })]);
  });

  it('hostile ticket titles give a safe branch and commit message, and reach hooks only as environment', async () => {
    const d = await daemon();
    const r = remote();
    const marker = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-hostile-'));
    cleanups.push(() => fs.rmSync(marker, { recursive: true, force: true }));
    const pwned = path.join(marker, 'pwned');
    const hostile = `Fix "quotes" & 'single' $(touch ${pwned}) \`touch ${pwned}\` ../../etc/passwd\nsecond line; rm -rf /`;
    // Ticket titles are at most 500 characters (shared LIMITS); the protocol caps them at 1000, so a
    // 10 KB title is refused with an error naming the field, and no run starts.
    const huge = job(r, { title: `${hostile} ${'x'.repeat(10 * 1024)}`, turns: [] });
    expect(huge.ticket.branch).toMatch(/^openase\/DEMO-\d+-[a-z0-9-]+$/);
    d.send({ type: 'run.offer', runId: 'run-huge', leaseEpoch: 1, spec: huge });
    expect((await d.waitFrame('error')).message).toContain('spec.ticket.title');
    const title = `${hostile} ${'y'.repeat(900 - hostile.length)}`;
    const spec = job(r, {
      title,
      turns: [{ steps: [{ write: { path: 'fix.txt', content: 'fixed\n' } }] }],
      hooks: { after_turn: [hook('printf "%s" "$OPENASE_TICKET_TITLE" > "$OPENASE_WORKSPACE/.openase/title-seen"')] },
    });
    expect(spec.ticket.branch).toMatch(/^openase\/DEMO-\d+-[a-z0-9-]+$/);
    const runId = await offer(d, spec);
    const turn = await turnFrame(d, runId, 1);
    expect(turn.ok).toBe(true);
    expect(r.files(spec.ticket.branch)).toContain('fix.txt');
    const subject = r.log(spec.ticket.branch)[0]!;
    expect(subject.startsWith(`${spec.ticket.identifier}: Fix "quotes" & 'single' $(touch ${pwned})`)).toBe(true);
    expect(subject.endsWith('… (turn 1)')).toBe(true);
    expect(d.framesOf('run.accept').map((f) => f.runId)).toEqual([runId]);
    expect(
      fs.readFileSync(
        path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier, '.openase', 'title-seen'),
        'utf8',
      ),
    ).toBe(title);
    expect(fs.existsSync(pwned)).toBe(false);
    next(d, runId, 1, 'stop', { outcome: 'succeeded' });
    await finished(d, runId);
    expect(fs.existsSync(pwned)).toBe(false);
    // Nothing escaped the workspace root.
    expect(fs.readdirSync(path.join(d.home, 'workspaces', 'tickets'))).toEqual([spec.ticket.identifier]);
  });

  it('a failing on_claim hook ends the run as failed with the hook output, before the agent starts', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'should not run' }] }],
      hooks: { on_claim: [hook('echo "cannot install deps"; exit 7')] },
    });
    const runId = await offer(d, spec);
    const end = await finished(d, runId);
    expect(end.exitCode).toBe(1);
    expect(end.reason).toContain('on_claim hook failed');
    expect(ofType(d, runId, 'error')[0]!.message).toContain('cannot install deps');
    expect(ofType(d, runId, 'turn.started')).toEqual([]);
  });

  it('malformed or misdirected frames get a clear error and the run carries on; its workspace is not removed while it runs', async () => {
    const d = await daemon();
    const r = remote();
    const runId = await offer(d, job(r, { turns: [{ steps: [{ text: 'ok' }] }] }));
    await turnFrame(d, runId, 1);
    d.child.stdin!.write(`${JSON.stringify({ type: 'run.next', runId, leaseEpoch: 1, turn: 1, action: 'explode' })}\n`);
    d.child.stdin!.write('{"type":"run.next", not json\n');
    next(d, 'run-nobody', 1, 'stop');
    d.send({ type: 'run.next', runId, leaseEpoch: 5, turn: 1, action: 'stop', outcome: 'failed' });
    d.send({ type: 'run.interrupt', runId: 'run-nobody', leaseEpoch: 1 });
    d.send({ type: 'run.interrupt', runId, leaseEpoch: 5 });
    await waitFor(() => d.framesOf('error').length === 6, 'six error frames');
    expect(d.framesOf('error').map((e) => e.code)).toEqual([
      'malformed_frame',
      'malformed_frame',
      'unknown_run',
      'stale_lease',
      'unknown_run',
      'stale_lease',
    ]);
    expect(d.framesOf('error')[0]!.message).toContain('action');
    // The workspace of a ticket whose run is still going is not removed.
    const identifier = runId.replace(/^run-/, '');
    d.send({ type: 'workspace.remove', ticket: { identifier }, repos: [{ name: 'app', url: r.url }] });
    expect(await d.waitFrame('workspace.removed')).toEqual({
      type: 'workspace.removed',
      ticket: { identifier },
      ok: false,
      message: `run ${runId} is still working in the workspace of ${identifier}; not removed`,
    });
    expect(fs.existsSync(path.join(d.home, 'workspaces', 'tickets', identifier, 'app', 'README.md'))).toBe(true);
    next(d, runId, 1, 'stop', { outcome: 'succeeded' });
    expect(await finished(d, runId)).toMatchObject({ exitCode: 0 });
  });

  it("a repository that cannot be fetched ends the run as failed with git's reason, before run.started", async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, { turns: [] });
    spec.repos = [{ name: 'app', url: 'file:///nonexistent/repo.git', defaultBranch: 'main' }];
    const runId = await offer(d, spec);
    const end = await finished(d, runId);
    expect(end.exitCode).toBe(1);
    expect(end.reason).toMatch(/^the agent run failed: git .*fetch failed \(exit 128\)/);
    expect(d.framesOf('run.started', runId)).toEqual([]);
    expect(ofType(d, runId, 'error')[0]).toMatchObject({ fatal: true, code: 'agent_run_failed' });
  });

  it('several repositories: the agent starts in the workspace folder, each repository is checked, committed and pushed', async () => {
    const d = await daemon();
    const app = remote();
    const lib = remote();
    const spec = job(app, {
      turns: [
        {
          steps: [
            { write: { path: 'app/feature.txt', content: 'app\n' } },
            { write: { path: 'lib/helper.txt', content: 'lib\n' } },
            { write: { path: 'lib/prod.env', content: 'KEY=1\n' } },
          ],
        },
      ],
      paths: { deny: ['*.env'] },
    });
    spec.repos.push({ name: 'lib', url: lib.url, defaultBranch: 'main' });
    const runId = await offer(d, spec);
    const turn = await turnFrame(d, runId, 1);
    expect(turn.pathViolations).toEqual([{ path: 'lib/prod.env', rule: 'denied by paths.deny "*.env"' }]);
    expect(app.files(spec.ticket.branch)).toContain('feature.txt');
    // The denied file is reverted in the worktree and never reaches the remote; the rest is pushed.
    expect(lib.files(spec.ticket.branch)).toEqual(['README.md', 'helper.txt', 'src/app.txt']);
    const ws = path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier);
    expect(fs.existsSync(path.join(ws, 'lib', 'prod.env'))).toBe(false);
    expect(turn.commits.map((c) => [c.repo, c.pushed])).toEqual([
      ['app', true],
      ['lib', true],
    ]);
    next(d, runId, 1, 'stop', { outcome: 'succeeded' });
    await finished(d, runId);
  });

  it('a denied file the agent committed itself never reaches the remote, in no commit of the branch', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [
        {
          steps: [
            { write: { path: '.env', content: 'SECRET=1\n' } },
            { write: { path: 'src/app.txt', content: 'v2\n' } },
            { run: ['git', 'add', '-A'] },
            { run: ['git', '-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-q', '-m', 'agent commit'] },
            { write: { path: 'src/more.txt', content: 'more\n' } },
          ],
        },
        { steps: [{ write: { path: 'src/later.txt', content: 'later\n' } }] },
      ],
      paths: { deny: ['.env'] },
    });
    const runId = await offer(d, spec);
    const first = await turnFrame(d, runId, 1);
    expect(first.pathViolations).toEqual([{ path: '.env', rule: 'denied by paths.deny ".env"' }]);
    expect(r.files(spec.ticket.branch)).toEqual(['README.md', 'src/app.txt', 'src/more.txt']);
    expect(r.show(spec.ticket.branch, 'src/app.txt')).toBe('v2\n');
    const history = execFileSync('git', ['--git-dir', r.dir, 'log', '--all', '--name-only', '--format='], {
      encoding: 'utf8',
    });
    expect(history).not.toMatch(/\.env/);
    next(d, runId, 1, 'continue', { input: 'reverted .env' });
    const second = await turnFrame(d, runId, 2);
    expect(second.pathViolations).toEqual([]);
    expect(r.files(spec.ticket.branch)).toContain('src/later.txt');
    next(d, runId, 2, 'stop', { outcome: 'succeeded' });
    await finished(d, runId);
  });

  it('a continue past the turn limit ends the run as failed instead of repeating the last turn', async () => {
    const d = await daemon();
    const r = remote();
    const base = job(r, { turns: [{ steps: [{ text: 'one turn' }] }] });
    const spec = { ...base, agent: { ...base.agent, maxTurns: 1 } };
    const runId = await offer(d, spec);
    // Nothing changed: nothing is pushed (no branch equal to main appears on the remote).
    expect((await turnFrame(d, runId, 1)).commits).toEqual([expect.objectContaining({ repo: 'app', pushed: false })]);
    expect(r.files(spec.ticket.branch)).toBeNull();
    next(d, runId, 1, 'continue', { input: 'more' });
    const end = await finished(d, runId);
    expect(end).toMatchObject({ exitCode: 1, reason: 'the run reached its limit of 1 turns' });
    expect(d.framesOf('run.turn', runId)).toHaveLength(1);
  });

  it('the run deadline (timeoutMs) stops the agent and ends the run as timed out', async () => {
    const d = await daemon();
    const r = remote();
    const spec = { ...job(r, { turns: [{ steps: [{ hang: true }] }] }), timeoutMs: 300 };
    const runId = await offer(d, spec);
    expect(await finished(d, runId)).toMatchObject({ exitCode: null, reason: 'timeout' });
  });

  it('reports load and free disk in a heartbeat as soon as it is welcomed', async () => {
    const d = await daemon();
    // The pretend control plane asks for a heartbeat every 60 s: the first one must not wait for that.
    const beat = await d.waitFrame('heartbeat');
    expect(beat.load).toEqual(expect.any(Number));
    expect(beat.diskFreeBytes).toEqual(expect.any(Number));
  });

  it('SIGTERM to the daemon stops its agents (no orphan), runs on_cancel hooks and reports the runs before it exits', async () => {
    const d = await daemon();
    const r = remote();
    const spec = job(r, {
      turns: [{ steps: [{ text: 'working' }, { hang: true }] }],
      hooks: { on_cancel: [hook('touch "$OPENASE_WORKSPACE/.openase/stopped"')] },
    });
    const runId = await offer(d, spec);
    await waitFor(() => ofType(d, runId, 'message').some((m) => m.text === 'working'), 'the agent to be working');
    const exited = new Promise<number | null>((resolve) => d.child.once('exit', (code) => resolve(code)));
    d.child.kill('SIGTERM');
    expect(await finished(d, runId)).toMatchObject({
      exitCode: null,
      reason: 'the daemon on this machine was stopped; the agent was stopped with it',
    });
    expect(await exited).toBe(0);
    expect(runProcessAlive(runId)).toBe(false);
    const ws = path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier);
    expect(fs.existsSync(path.join(ws, '.openase', 'stopped'))).toBe(true);
  });

  it('a daemon restart mid-run ends the run with a clear reason (the CLI cannot be re-attached)', async () => {
    const first = await startDaemon({ bundle, closeRuns: false });
    const r = remote();
    const pidfile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-pid-')), 'agent.pid');
    const spec = job(r, { turns: [{ steps: [{ pidfile }, { text: 'working' }, { hang: true }] }] });
    const runId = await offer(first, spec);
    await waitFor(() => ofType(first, runId, 'message').some((m) => m.text === 'working'), 'the agent to be working');
    await first.stop();
    // The exiting daemon stopped the agent CLI: nobody could talk to it any more.
    expect(fs.existsSync(pidfile)).toBe(true);
    await waitFor(() => !runProcessAlive(runId), 'the agent process to be gone');
    const second = await startDaemon({ bundle, home: first.home });
    cleanups.push(async () => {
      await second.stop();
      fs.rmSync(second.home, { recursive: true, force: true });
    });
    expect(second.framesOf('hello')[0]!.running).toEqual([expect.objectContaining({ runId, finished: true })]);
    const end = await finished(second, runId);
    expect(end).toMatchObject({ exitCode: null, reason: 'daemon_restarted' });
    const error = ofType(second, runId, 'error').at(-1)!;
    expect(error).toMatchObject({ code: 'daemon_restarted', fatal: true });
    expect(error.message).toContain('cannot be re-attached');
  });
});
