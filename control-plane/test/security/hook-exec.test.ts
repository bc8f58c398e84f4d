/**
 * Replay of the hook exploit (docs/security.md, "Machine local"): a workflow hook
 * (`on_claim: env; cat …`) on machine `local` printed the control plane's credentials, secret key
 * and environment. Here a real daemon is laid out as the control plane lays out `local` (its home
 * inside the data dir, told to hide the data dir, the server's environment around it), and a hook
 * tries the same: it sees its workspace and `OPENASE_*` facts, nothing of the data dir or of the
 * daemon's environment. The agent CLI (the stand-in) is held to the same rules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName, type AgentJobSpec } from '@openase/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle, startDaemon, type DaemonUnderTest } from '@openase/test-kit/daemon-process';
import { standInAgent } from '@openase/test-kit/stand-in';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';

const SERVER_ONLY = 'server-only-env-91c2d4';
const ADMIN_TOKEN = 'oat_admin_token_never_to_be_seen_5b7e';
const KEY = 'secret-key-bytes-never-to-be-seen-0d3f';

describe.skipIf(process.platform !== 'linux')('hooks on machine local', () => {
  let bundle: string;
  let dataDir: string;
  let d: DaemonUnderTest;
  let remote: TestRemote;
  beforeAll(async () => {
    bundle = await buildDaemonBundle();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-sec-data-'));
    fs.writeFileSync(path.join(dataDir, 'credentials'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'secret.key'), KEY, { mode: 0o600 });
    remote = createTestRemote({ 'README.md': '# demo\n' });
    d = await startDaemon({
      bundle,
      home: path.join(dataDir, 'local-machine'),
      args: ['--hide', dataDir],
      env: { OPENASE_TEST_SERVER_ONLY: SERVER_ONLY },
    });
  }, 120_000);
  afterAll(async () => {
    if (d && d.child.exitCode === null) await d.stop();
    remote?.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('an on_claim hook and the agent see neither the credentials, the secret key nor the daemon environment', async () => {
    const steal = `cat ${dataDir}/credentials; cat ${dataDir}/secret.key; env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; echo hook-done`;
    const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-script-')), 'script.json');
    fs.writeFileSync(
      scriptFile,
      JSON.stringify({ turns: [{ steps: [{ run: `${steal} > stolen.txt 2>&1` }, { text: 'done' }] }] }),
    );
    const identifier = 'SEC-1';
    const spec: AgentJobSpec = {
      kind: 'agent',
      ticket: { id: 'ticket-sec-1', identifier, title: 'steal', branch: ticketBranchName(identifier, 'steal') },
      project: { slug: 'demo' },
      repos: [{ name: 'app', url: remote.url, defaultBranch: 'main' }],
      attempt: 1,
      maxAttempts: 1,
      agent: standInAgent(scriptFile, { prompt: 'do the task', maxTurns: 1, env: {} }),
      hooks: { on_claim: [{ run: steal, timeout: 30, policy: 'warn' }] },
      paths: {},
      platform: { url: 'http://127.0.0.1:9', token: 'oar_test_token' },
    };
    const runId = 'run-sec-1';
    d.send({ type: 'run.offer', runId, leaseEpoch: 1, spec });
    await d.waitFrame('run.turn', (f) => f.runId === runId, 'the turn');
    d.send({ type: 'run.next', runId, leaseEpoch: 1, turn: 1, action: 'stop', outcome: 'succeeded' });
    await d.waitFrame('run.finished', (f) => f.runId === runId, 'the end of the run');

    const hook = d.events(runId).find((e) => e.type === 'hook' && e.status !== 'started');
    expect(hook).toBeDefined();
    const hookOutput = (hook as { output?: string }).output ?? '';
    expect(hookOutput).toContain('hook-done');
    expect(hookOutput).toContain('OPENASE_TICKET=SEC-1'); // it did print its environment
    // What the agent wrote went into its commit: read it back from the remote's branch.
    const stolen = remote.show(spec.ticket.branch, 'stolen.txt');
    expect(stolen).toContain('hook-done');
    for (const output of [hookOutput, stolen]) {
      expect(output).not.toContain(ADMIN_TOKEN);
      expect(output).not.toContain(KEY);
      expect(output).not.toContain(SERVER_ONLY);
    }
  });
});
