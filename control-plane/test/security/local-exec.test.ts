/**
 * Replays of the "any ticket's agent can become admin" exploits against a real control plane
 * with its machine `local` (docs/security.md, "Machine local"):
 *
 * - a `read,write` API token started `sh -c 'cat $HOME/.openase/credentials'` on `local` and got
 *   the admin token: starting a command now needs `runs.exec` and the admin role;
 * - even with that grant, what runs on `local` cannot read the data dir (credentials,
 *   secret.key) nor a variable set only in the server's environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TERMINAL_RUN_STATES } from '@openase/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/cli/client.js';
import {
  outputLines,
  runState,
  tempDir,
  useControlPlane,
  waitFor,
  waitMachineOnline,
  waitRun,
} from '@openase/test-kit/fleet-harness';

const SERVER_ONLY = 'server-only-value-7f3a9c';

describe.skipIf(process.platform !== 'linux')('machine local: what a command can reach', () => {
  const home = tempDir('cp-security');
  const cp = useControlPlane(home, { localMachine: true, env: { OPENASE_TEST_SERVER_ONLY: SERVER_ONLY } }, 300_000);
  beforeAll(async () => {
    await waitMachineOnline(cp.api, 'local', () => `local online\n${cp.proc.output}`);
  }, 300_000);

  const steal = (dataDir: string) => [
    'sh',
    '-c',
    `cat ${dataDir}/credentials; cat ${dataDir}/secret.key | od -An -tx1; env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; echo done`,
  ];

  it('a read,write token cannot start a command on a machine (runs.exec and the admin role are needed)', async () => {
    const { token: secret } = await cp.api.tokens.create.mutate({ name: 'rw', scopes: ['read', 'write'] });
    const rw = createApiClient({ url: cp.url, token: secret });
    await expect(rw.runs.start.mutate({ machine: 'local', command: steal(home) })).rejects.toThrow(
      /lacks the "runs\.exec" scope/,
    );
    const { token: exec } = await cp.api.tokens.create.mutate({ name: 'exec', scopes: ['read', 'write', 'runs.exec'] });
    const run = await createApiClient({ url: cp.url, token: exec }).runs.start.mutate({
      machine: 'local',
      command: ['true'],
    });
    await waitRun(cp.api, run.id, 'succeeded', 'the granted run to succeed');
  });

  it('a command on local sees neither the credentials, the secret key nor the server-only environment', async () => {
    const credentials = fs.readFileSync(path.join(home, 'credentials'), 'utf8');
    const key = fs.readFileSync(path.join(home, 'secret.key')).toString('hex');
    const run = await cp.api.runs.start.mutate({ machine: 'local', command: steal(home) });
    let state = '';
    await waitFor(
      () => `the run to end (${state})\n${cp.proc.output.slice(-3000)}`,
      async () => TERMINAL_RUN_STATES.has((state = (await runState(cp.api, run.id)).state) as never),
      30_000,
    );
    const output = (await outputLines(cp.api, run.id)).join('\n');
    expect(output).toContain('done');
    expect(output).toMatch(/OPENASE|PATH=/); // it did print an environment
    expect(output).not.toContain(cp.token);
    expect(output).not.toContain(credentials.trim().split('\n')[0]);
    expect(output.replace(/\s/g, '')).not.toContain(key);
    expect(output).not.toContain(SERVER_ONLY);
  }, 120_000);
});
