/**
 * Reverse machines end to end with real processes: a control plane, daemons that joined with a
 * join token and dial /agent/ws, runs started through the API. Every wait is on a condition.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import {
  AGENT_BUNDLE,
  agentCli,
  joinMachine,
  linesRun,
  outputLines,
  runState,
  startAgent,
  tempDir,
  useControlPlane,
  waitFor,
  waitMachineOnline,
  waitRun,
  type Proc,
} from '@openase/test-kit/fleet-harness';

import { createTestRemote } from '@openase/test-kit/git-remote';

describe('reverse machines', () => {
  const cp = useControlPlane(tempDir('cp'));
  const scripts = tempDir('scripts');
  const agents: Proc[] = [];
  /** box-a's --workdir (the first test joins it). */
  let workdirA = '';

  afterAll(async () => {
    for (const a of agents) await a.kill('SIGKILL');
  });

  const machine = async (name: string) => await cp.api.machines.show.query({ name });

  it('joins, runs a command, stores its output lines in order, finishes with the exit code', async () => {
    const workdir = path.join(tempDir('work'), 'box-a');
    workdirA = workdir;
    const agentHome = await joinMachine(cp, 'box-a', { slots: 2, labels: 'linux,fast', workdir });
    expect(fs.statSync(path.join(agentHome, 'credential.json')).mode & 0o777).toBe(0o600);
    const agent = startAgent(agentHome);
    agents.push(agent);
    await waitMachineOnline(cp.api, 'box-a', () => `box-a online\n${agent.output}`);
    const shown = await machine('box-a');
    expect([...shown.labels].sort()).toEqual(['fast', 'linux']);
    expect(shown).toMatchObject({
      kind: 'reverse',
      slots: { total: 2, used: 0 },
      daemonVersion: '0.1.0',
      os: process.platform,
    });
    expect((shown.clis as Array<{ name: string }>).map((c) => c.name)).toContain('node');

    const lines = linesRun(scripts, 200);
    const ok = await cp.api.runs.start.mutate({ machine: 'box-a', command: lines.command });
    const done = await waitRun(cp.api, ok.id, 'succeeded', 'run succeeded');
    expect(done.exitCode).toBe(0);
    expect(await outputLines(cp.api, ok.id)).toEqual(lines.printed);
    expect(done.transitions.map((t) => t.toState)).toEqual(['queued', 'offered', 'preparing', 'running', 'succeeded']);

    const bad = await cp.api.runs.start.mutate({ machine: 'box-a', command: ['sh', '-c', 'echo oops >&2; exit 3'] });
    const failed = await waitRun(cp.api, bad.id, 'failed', 'run failed');
    expect(failed).toMatchObject({ exitCode: 3, stateReason: 'exit code 3' });
    const events = await cp.api.runs.events.query({ run: bad.id });
    expect(events.map((e) => e.event)).toEqual([{ type: 'output', stream: 'stderr', text: 'oops' }]);

    const missing = await cp.api.runs.start.mutate({ machine: 'box-a', command: ['/definitely/not/here'] });
    const nf = await waitRun(cp.api, missing.id, 'failed', 'missing command fails');
    expect(nf.exitCode).toBe(127);
    expect(JSON.stringify(await cp.api.runs.events.query({ run: missing.id }))).toMatch(
      /cannot start \/definitely\/not\/here/,
    );

    // Runs work in the daemon's --workdir unless the spec names a cwd.
    const pwd = await cp.api.runs.start.mutate({ machine: 'box-a', command: ['pwd'] });
    await waitRun(cp.api, pwd.id, 'succeeded', 'pwd run');
    expect(await outputLines(cp.api, pwd.id)).toEqual([fs.realpathSync(workdir)]);
    // 300 ms: on a loaded machine the exec wrapper may still be starting; the stop is passed on all the same.
    const slow = await cp.api.runs.start.mutate({ machine: 'box-a', command: ['sleep', '600'], timeoutMs: 300 });
    const timedOut = await waitRun(cp.api, slow.id, 'timed_out', 'timed out');
    expect(timedOut.stateReason).toBe('ran longer than its time limit: killed by SIGTERM');
  });

  it('a custom agent that is a shell script takes a ticket to In Review on the joined machine, working under its --workdir', async () => {
    const remote = createTestRemote({ 'README.md': '# notes\n' });
    const bot = path.join(tempDir('bot'), 'bot.sh');
    fs.writeFileSync(
      bot,
      [
        '#!/bin/sh',
        'cat > /dev/null',
        'echo done > notes.txt',
        '"$OPENASE_WORKSPACE/.openase/bin/openase" move "In Review" >&2',
        'echo \'{"type":"message","role":"assistant","text":"done"}\'',
      ].join('\n'),
      { mode: 0o755 },
    );
    try {
      await cp.api.projects.create.mutate({ name: 'joined', ticketPrefix: 'JOIN' });
      await cp.api.repositories.add.mutate({ project: 'joined', name: 'app', url: remote.url, defaultBranch: 'main' });
      await cp.api.agents.create.mutate({ project: 'joined', name: 'bot', adapter: 'custom', command: bot });
      await cp.api.workflows.create.mutate({ project: 'joined', template: 'full-stack', agent: 'bot' });
      const t = await cp.api.tickets.create.mutate({ project: 'joined', title: 'Notes', status: 'Todo' });
      await waitFor(
        () => `${t.identifier} In Review\n${cp.proc.output.slice(-3000)}`,
        async () => (await cp.api.tickets.show.query({ ticket: t.identifier })).status.name === 'In Review',
      );
      const shown = await cp.api.tickets.show.query({ ticket: t.identifier });
      expect(shown.runs[0]).toMatchObject({ machine: 'box-a' });
      expect(remote.files(`openase/${t.identifier}-notes`)).toContain('notes.txt');
      expect(fs.existsSync(path.join(workdirA, 'tickets', t.identifier, 'app', 'notes.txt'))).toBe(true);
    } finally {
      remote.cleanup();
    }
  });

  it('shows accurate slots used while runs start and finish, queues past the slots, and cancels', async () => {
    const lines = linesRun(scripts, 2, 1, 'slots-gate');
    const runs: Array<{ id: string }> = [];
    for (let i = 0; i < 3; i++) runs.push(await cp.api.runs.start.mutate({ machine: 'box-a', command: lines.command }));
    await waitFor('two runs running', async () => (await machine('box-a')).slots.used === 2);
    expect((await runState(cp.api, runs[2]!.id)).state).toBe('queued');
    const fleet = await cp.api.machines.list.query();
    expect(fleet.totals).toMatchObject({ online: 1, slotsTotal: 2, slotsUsed: 2, slotsFree: 0 });
    // Cancel one running run: SIGTERM to its group ends it; the queued one takes the slot.
    const running = (await machine('box-a')).runningRuns;
    await cp.api.runs.cancel.mutate({ run: running[0]! });
    const canceled = await waitRun(cp.api, running[0]!, 'canceled', 'canceled');
    expect(canceled.signal).toBe('SIGTERM');
    await waitRun(cp.api, runs[2]!.id, 'running', 'queued run placed');
    expect((await machine('box-a')).slots.used).toBe(2);
    lines.open(1);
    await waitFor('all finished', async () => {
      const states = await Promise.all(runs.map(async (r) => (await runState(cp.api, r.id)).state));
      return states.every((s) => s === 'succeeded' || s === 'canceled');
    });
    expect((await machine('box-a')).slots).toEqual({ total: 2, used: 0 });
  });

  it('survives kill -9 of the daemon in the middle of 10,000 lines: every line once, in order', async () => {
    const agentHome = await joinMachine(cp, 'box-k', { slots: 1 });
    let agent = startAgent(agentHome);
    agents.push(agent);
    await waitMachineOnline(cp.api, 'box-k', 'box-k online');
    const lines = linesRun(scripts, 10_000, 5000, 'kill-gate');
    const run = await cp.api.runs.start.mutate({ machine: 'box-k', command: lines.command });
    await waitRun(cp.api, run.id, (r) => r.ackedSeq >= 5000, 'first half stored');
    await agent.kill('SIGKILL');
    lines.open(1); // the command prints the second half while no daemon watches
    agent = startAgent(agentHome);
    agents.push(agent);
    const done = await waitRun(
      cp.api,
      run.id,
      'succeeded',
      () => `run finished after restart\n${agent.output}`,
      90_000,
    );
    expect(done.exitCode).toBe(0);
    expect(await outputLines(cp.api, run.id)).toEqual(lines.printed);
    expect(agent.output).toMatch(/re-attached to run/);
    await waitFor('run folder removed after close', () => !fs.existsSync(path.join(agentHome, 'runs', run.id)));
  });

  it('refuses a replayed join token, and stops a revoked daemon for good with the reason', async () => {
    const { token } = await cp.api.machines.createJoinToken.mutate({});
    const first = agentCli(['join', cp.url, token, '--name', 'box-r', '--home', tempDir('agent-r')]);
    expect(first.code, first.err).toBe(0);
    const replay = agentCli(['join', cp.url, token, '--name', 'box-r2', '--home', tempDir('agent-r2')]);
    expect(replay.code).toBe(1);
    expect(replay.err).toMatch(/join refused: the join token has already been used/);
    const agentHome = first.out.match(/written to (\S+)\/credential\.json/)![1]!;
    const agent = startAgent(agentHome);
    agents.push(agent);
    await waitMachineOnline(cp.api, 'box-r', 'box-r online');
    // A command still running when the machine is revoked ends with it (it ran on, detached, for its whole time).
    const sleeper = `sleep 97.${process.pid}`;
    const run = await cp.api.runs.start.mutate({ machine: 'box-r', command: ['sh', '-c', `echo up; ${sleeper}`] });
    const running = () => spawnSync('pgrep', ['-f', sleeper]).status === 0;
    await waitFor(
      'the command to run',
      async () => running() && (await cp.api.runs.show.query({ run: run.id })).state === 'running',
    );
    await cp.api.machines.revoke.mutate({ name: 'box-r' });
    expect(await agent.exited).toBe(1);
    expect(agent.output).toMatch(/revoked this machine .*; not reconnecting/);
    expect(running()).toBe(false);
    expect(fs.existsSync(path.join(agentHome, 'runs', run.id))).toBe(false);
    expect((await machine('box-r')).status).toBe('revoked');
    // Another machine kept its session throughout.
    expect((await machine('box-a')).status).toBe('online');
    const again = startAgent(agentHome);
    expect(await again.exited).toBe(1);
    expect(again.output).toMatch(/refused this machine's credential: machine box-r has been revoked/);
  });

  it('serves the daemon bundle and an install script that joins and writes a systemd user unit', async () => {
    const bundle = await fetch(`${cp.url}/agent/download`);
    expect(bundle.status).toBe(200);
    expect(Buffer.from(await bundle.arrayBuffer()).equals(fs.readFileSync(AGENT_BUNDLE))).toBe(true);
    const script = await (await fetch(`${cp.url}/agent/install.sh`)).text();
    expect(script).toMatch(/^#!\/bin\/sh/);
    const { token } = await cp.api.machines.createJoinToken.mutate({});
    const sandbox = tempDir('install');
    const env = {
      ...process.env,
      HOME: sandbox,
      XDG_CONFIG_HOME: path.join(sandbox, 'config'),
      OPENASE_AGENT_HOME: path.join(sandbox, 'agent'),
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
    };
    const bad = spawnSync('sh', ['-s', '--', 'not-a-token'], { input: script, env, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/give the join token/);
    const r = spawnSync('sh', ['-s', '--', token, '--name', 'installed', '--slots', '3'], {
      input: script,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const installed = path.join(sandbox, '.local/share/openase-agent/openase-agent.cjs');
    expect(fs.readFileSync(installed).equals(fs.readFileSync(AGENT_BUNDLE))).toBe(true);
    const unit = fs.readFileSync(path.join(sandbox, 'config/systemd/user/openase-agent.service'), 'utf8');
    // The credential is in OPENASE_AGENT_HOME, so the daemon is started with it (the unit said only `run`, and the
    // service would have looked in ~/.config/openase-agent: found by the operations walkthrough).
    const agentDir = path.join(sandbox, 'agent');
    expect(unit).toContain(`ExecStart=${process.execPath} ${installed} run --home "${agentDir}"\n`);
    expect(r.stdout).toContain(`start the daemon with: openase-agent run --home '${agentDir}'\n`);
    if (!/openase-agent is running/.test(r.stdout))
      expect(r.stdout).toContain(`start the daemon with: ${process.execPath} ${installed} run --home "${agentDir}"`);
    expect(unit).not.toContain('@NODE@');
    expect(fs.statSync(path.join(sandbox, 'agent', 'credential.json')).mode & 0o777).toBe(0o600);
    expect(await machine('installed')).toMatchObject({
      kind: 'reverse',
      status: 'pending',
      slots: { total: 3, used: 0 },
    });
  });
});
