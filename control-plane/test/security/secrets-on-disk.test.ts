/**
 * Decrypted secrets never reach the machine's disk (issue 13, point 6): an agent run's env (the
 * agent's secrets) and run token are redacted in `runs/<id>/spec.json`; a command run's env goes
 * to its wrapper through a pipe, yet the command still sees it. Real daemon code and processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentJobSpec } from '@openase/shared';
// @ts-expect-error plain ESM helper without types
import { agentBundlePath, ensureAgentBuilt } from '../../../scripts/lib/bootstrap.mjs';
import { AgentRunHandle } from '@openase/agent-daemon/agent-runs/agent-run-handle';
import { RunHandle } from '@openase/agent-daemon/runs/run-handle';
import { spoolLimits } from '@openase/agent-daemon/runs/spool';
import { waitFor } from '@openase/test-kit/wait';

const SECRET = 'sk-live-do-not-write-me-0123456789';
let runsDir: string;

describe('security: secrets on the machine disk', () => {
  beforeAll(() => {
    (ensureAgentBuilt as () => void)();
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-secrets-'));
  });
  afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  const filesUnder = (dir: string): string =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
      .join('\n');

  it("an agent run's spec.json keeps neither the agent's secrets nor the run token", () => {
    const spec = {
      kind: 'agent',
      ticket: { id: 't', identifier: 'SEC-1', title: 't', branch: 'openase/SEC-1-t' },
      platform: { url: 'http://cp', token: 'oar_abc_runtokensecret' },
      agent: { adapter: 'claude-code', args: [], env: { ANTHROPIC_API_KEY: SECRET }, provider: {} },
    } as unknown as AgentJobSpec;
    const h = AgentRunHandle.create(runsDir, 'agent-run', 1, spec, spoolLimits({}), {
      send: () => {},
      flush: () => {},
      log: () => {},
    });
    const onDisk = filesUnder(h.dir);
    expect(onDisk).not.toContain(SECRET);
    expect(onDisk).not.toContain('runtokensecret');
    // The key stays, so the folder still says which variables the run had.
    expect(JSON.parse(fs.readFileSync(path.join(h.dir, 'spec.json'), 'utf8')).agent.env).toEqual({
      ANTHROPIC_API_KEY: '(not kept on disk)',
    });
  });

  it("a command run's env reaches the command through a pipe, never through the run folder", async () => {
    const h = RunHandle.start(
      runsDir,
      'command-run',
      1,
      { kind: 'command', command: ['sh', '-c', 'printf "%s" "$API_KEY" | wc -c'], env: { API_KEY: SECRET } },
      spoolLimits({}),
      [agentBundlePath as string],
    );
    await waitFor(
      'the command to end',
      () => {
        h.poll();
        return !!h.state.end;
      },
      20_000,
    );
    expect(h.state.end).toMatchObject({ exitCode: 0 });
    // The command saw the value (its length), and no file of the run holds it.
    expect(fs.readFileSync(path.join(h.dir, 'stdout'), 'utf8').trim()).toBe(String(SECRET.length));
    expect(filesUnder(h.dir)).not.toContain(SECRET);
  });
});
