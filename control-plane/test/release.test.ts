/**
 * The release as an operator gets it: `npm run pack` writes openase-<v>.tgz, `npm i -g` installs it
 * into a fresh prefix (offline: PGlite is bundled), and from an empty folder with no checkout the
 * installed `openase serve` serves the console, migrates its database and brings machine `local`
 * online; the installed `openase-agent` joins from another folder. The server runs from the package's
 * own files: nothing above the prefix is an openase package.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OPENASE_VERSION } from '@openase/shared';
// @ts-expect-error plain ESM helper without types
import { root } from '../../scripts/lib/bootstrap.mjs';
import { startServerProcess, type ServerProcess } from '@openase/test-kit/server-process';
import { Proc, tempDir, trackAgentHome, killLeftoverRuns, waitFor } from '@openase/test-kit/fleet-harness';

vi.setConfig({ testTimeout: 300_000 });

describe('the packed release', () => {
  const dir = tempDir('release');
  let server: ServerProcess | null = null;
  let agent: Proc | null = null;
  afterAll(async () => {
    await agent?.kill();
    await server?.stop();
    killLeftoverRuns();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs from its tarball and serves the console, the local machine and joining daemons', async () => {
    const packed = spawnSync(
      process.execPath,
      [path.join(root as string, 'scripts/pack.mjs'), '--out', dir, '--json'],
      {
        encoding: 'utf8',
      },
    );
    expect(packed.status, packed.stderr).toBe(0);
    const { file } = JSON.parse(packed.stdout) as { file: string };
    expect(path.basename(file)).toBe(`openase-${OPENASE_VERSION}.tgz`);

    const prefix = path.join(dir, 'prefix');
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const installed = spawnSync('npm', ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', file], {
      cwd: empty,
      encoding: 'utf8',
    });
    expect(installed.status, installed.stderr).toBe(0);
    const bin = (name: string) => path.join(prefix, 'bin', name);
    expect(spawnSync(bin('openase'), ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(OPENASE_VERSION);

    server = await startServerProcess({ openase: bin('openase'), cwd: empty, prefix: 'openase-release-home-' });
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, version: OPENASE_VERSION, database: 'pglite', migrations: 'applied' });
    const console = await fetch(`${server.url}/`);
    expect(console.headers.get('content-type')).toContain('text/html');
    expect(await console.text()).toContain('<title>OpenASE</title>');
    // The daemon it serves is the installed package's own bundle.
    const served = Buffer.from(await (await fetch(`${server.url}/agent/download`)).arrayBuffer());
    const own = fs.readFileSync(path.join(prefix, 'lib/node_modules/openase/agent-daemon/dist/openase-agent.cjs'));
    expect(served.equals(own)).toBe(true);

    const machines = () =>
      (
        JSON.parse(server!.cli(['machine', 'list', '--json']).out) as {
          machines: Array<{ name: string; status: string }>;
        }
      ).machines;
    await waitFor('machine local online', () => machines().some((m) => m.name === 'local' && m.status === 'online'));

    const joinToken = JSON.parse(server.cli(['machine', 'join-token', 'create', '--json']).out) as { token: string };
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const agentHome = trackAgentHome(path.join(dir, 'agent-home'));
    const joined = spawnSync(
      bin('openase-agent'),
      ['join', server.url, joinToken.token, '--name', 'elsewhere', '--home', agentHome],
      { cwd: elsewhere, encoding: 'utf8' },
    );
    expect(joined.status, joined.stderr).toBe(0);
    agent = new Proc(spawn(bin('openase-agent'), ['run', '--home', agentHome], { cwd: elsewhere }));
    await waitFor('machine elsewhere online', () =>
      machines().some((m) => m.name === 'elsewhere' && m.status === 'online'),
    );
  });
});
