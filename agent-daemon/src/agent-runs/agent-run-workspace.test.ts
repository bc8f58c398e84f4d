/**
 * Agent runs on the real daemon (setup in agent-run-fixtures.ts): the worktree, commits and pushes,
 * path rules, hostile ticket titles and several repositories.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@openase/test-kit/wait';
import { cleanups, platform, useAgentRunFixtures } from './agent-run-fixtures.js';

const { daemon, finished, hook, job, next, offer, ofType, remote, turnFrame } = useAgentRunFixtures();

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
    await waitFor('the run folder to be removed', () => !fs.existsSync(path.join(d.home, 'runs', runId)));
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

  it("commits a turn with the agent's own message from .openase/commit-message, never read through a link", async () => {
    const d = await daemon();
    const r = remote();
    const secret = path.join(d.home, 'not-for-commits');
    fs.writeFileSync(secret, 'TOPSECRET\n');
    const message = (file: string) => `"$OPENASE_WORKSPACE/.openase/${file}"`;
    const spec = job(r, {
      turns: [
        {
          steps: [
            { write: { path: 'hello.txt', content: 'hello\n' } },
            {
              run: ['sh', '-c', `printf '\\n Greet the world \\n\\nAdds hello.txt.\\n' > ${message('commit-message')}`],
            },
          ],
        },
        {
          steps: [
            { write: { path: 'more.txt', content: 'more\n' } },
            { run: ['sh', '-c', `ln -s ${secret} ${message('commit-message')}`] },
          ],
        },
      ],
    });
    const runId = await offer(d, spec);
    const last = () =>
      execFileSync('git', ['--git-dir', r.dir, 'log', '-1', '--format=%B', `refs/heads/${spec.ticket.branch}`], {
        encoding: 'utf8',
      }).trim();
    expect((await turnFrame(d, runId, 1)).ok).toBe(true);
    expect(last()).toBe(`Greet the world\n\nAdds hello.txt.\n\n${spec.ticket.identifier}: Add a greeting (turn 1)`);
    next(d, runId, 1, 'continue', { input: 'more' });
    expect((await turnFrame(d, runId, 2)).ok).toBe(true);
    // A link (here to a file of the daemon's) is not followed: the platform's own message, and the link is gone.
    expect(last()).toBe(`${spec.ticket.identifier}: Add a greeting (turn 2)`);
    const ws = path.join(d.home, 'workspaces', 'tickets', spec.ticket.identifier, '.openase');
    expect(fs.readdirSync(ws)).not.toContain('commit-message');
    next(d, runId, 2, 'stop', { outcome: 'succeeded' });
    await finished(d, runId);
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
});
