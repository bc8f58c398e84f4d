/**
 * Replicas of one database need one secret.key (secrets/key-check.ts). A second control plane started with a
 * key of its own used to serve: every secret the first had stored read as garbage on it, and a run whose offer
 * needed one waited in the queue while `ticket why` said the slots were busy. It is refused now, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildBundles,
  CP_BUNDLE,
  startControlPlane,
  tempDir,
  type ControlPlane,
} from '@openase/test-kit/fleet-harness';
import { createMigratedPostgres, postgresUrl } from '@openase/test-kit/databases';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.skipIf(!postgresUrl)('replicas with different secret keys [postgres]', () => {
  let scratch: { url: string; drop(): Promise<void> };
  let first: ControlPlane;
  const homes = [tempDir('key-a'), tempDir('key-b')];
  beforeAll(async () => {
    buildBundles();
    scratch = await createMigratedPostgres();
    first = await startControlPlane(homes[0]!, { databaseUrl: scratch.url });
  });
  afterAll(async () => {
    await first?.proc.kill();
    await scratch?.drop();
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
  });

  const serve = (home: string, ...flags: string[]) =>
    spawnSync(
      process.execPath,
      [CP_BUNDLE, 'serve', '--port', '0', '--host', '127.0.0.1', '--no-local-machine', '--data-dir', home, ...flags],
      { env: { ...process.env, DATABASE_URL: scratch.url }, encoding: 'utf8', timeout: 60_000 },
    );

  it('refuses a second control plane whose secret.key is not the database’s, and names what to do', () => {
    const second = serve(homes[1]!);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(
      `${path.join(homes[1]!, 'secret.key')} is not the secret key this database's secrets are encrypted under`,
    );
    expect(second.stderr).toMatch(/copy it from the data dir of a control plane that serves this database/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes the new key with --new-secret-key once the others are stopped, saying that stored secrets must be set again', async () => {
    const early = serve(homes[1]!, '--new-secret-key');
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(
      /--new-secret-key: stop the other control planes of this database first \(connected: \S+/,
    );
    await first.proc.kill();
    const args = [CP_BUNDLE, 'serve', '--port', '0', '--host', '127.0.0.1', '--no-local-machine', '--new-secret-key'];
    const child = spawn(process.execPath, [...args, '--data-dir', homes[1]!], {
      env: { ...process.env, DATABASE_URL: scratch.url },
    });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (/listening on http/.test(output)) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(output).toMatch(/is this database's key from now on \(--new-secret-key\); secrets stored under the old key/);
    // Now the first control plane's key is the one refused.
    expect(serve(homes[0]!).stderr).toMatch(/is not the secret key this database's secrets are encrypted under/);
  });
});
