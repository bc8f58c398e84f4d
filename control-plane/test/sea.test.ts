/**
 * The daemon as one executable file (`npm run sea`, scripts/sea.mjs: Node's single executable
 * application + postject): built from this checkout, copied alone to an empty folder, it tells
 * its version, joins a real control plane, stays connected and runs a command there (through its
 * own `exec-wrapper`, i.e. the executable starting itself). Skipped where this Node cannot make
 * one (no node:sea, or a binary built without the SEA fuse).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { buildSea, seaUnsupported } from '../../scripts/sea.mjs';
import { OPENASE_VERSION } from '@openase/shared';
import {
  killLeftoverRuns,
  outputLines,
  Proc,
  startControlPlane,
  tempDir,
  trackAgentHome,
  waitFor,
} from '@openase/test-kit/fleet-harness';
import type { ControlPlane } from '@openase/test-kit/fleet-harness';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const unsupported = (seaUnsupported as () => string | null)();

describe.skipIf(unsupported)('the daemon as a single executable', () => {
  const built = tempDir('sea-build');
  const box = tempDir('sea-box'); // where the executable is copied: no checkout, no node_modules
  const home = trackAgentHome(path.join(box, 'home'));
  let exe = '';
  let cp: ControlPlane;
  let daemon: Proc | null = null;

  beforeAll(async () => {
    const file = (buildSea as (out: string) => string)(built);
    exe = path.join(box, 'openase-agent');
    fs.copyFileSync(file, exe);
    fs.chmodSync(exe, 0o755);
    fs.rmSync(built, { recursive: true, force: true });
    cp = await startControlPlane(tempDir('sea-cp'));
  });
  afterAll(async () => {
    await daemon?.kill();
    killLeftoverRuns();
    await cp?.proc.kill();
    fs.rmSync(box, { recursive: true, force: true });
  });

  const env = { ...process.env, NODE_OPTIONS: '' };

  it('tells its version', () => {
    const r = spawnSync(exe, ['--version'], { cwd: box, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(OPENASE_VERSION);
    expect(r.stderr).toBe(''); // no SEA or require() warnings
  });

  it('joins a control plane, stays connected and runs a command', async () => {
    const { token } = await cp.api.machines.createJoinToken.mutate({ labels: [] });
    const join = spawnSync(exe, ['join', cp.url, token, '--name', 'sea-box', '--home', home, '--slots', '1'], {
      cwd: box,
      encoding: 'utf8',
      env,
    });
    expect(join.status, join.stderr + join.stdout).toBe(0);
    daemon = new Proc(spawn(exe, ['run', '--home', home], { cwd: box, env }));
    await waitFor(
      () => `the executable online\n${daemon?.output}`,
      async () => (await cp.api.machines.show.query({ name: 'sea-box' })).status === 'online',
    );
    const run = await cp.api.runs.start.mutate({
      machine: 'sea-box',
      command: ['/bin/sh', '-c', 'echo one from the executable; echo two'],
    });
    await waitFor(
      () => `the run to succeed\n${daemon?.output}`,
      async () => (await cp.api.runs.show.query({ run: run.id })).state === 'succeeded',
    );
    expect(await outputLines(cp.api, run.id)).toEqual(['one from the executable', 'two']);
  });
});
