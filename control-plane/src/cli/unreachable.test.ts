/**
 * A control plane that does not answer: the CLI says where the URL came from. The operations walkthrough's CLI on the
 * server's host read the public URL from the credentials file, which did not resolve there, and was told only
 * "cannot reach the control plane at https://…".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './main.js';
import { writeCredentials } from '../server/credentials.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-unreachable-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

async function projectList(env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await runCli(['project', 'list'], { out: () => {}, err: (l) => err.push(l), env });
  return { code, err: err.join('\n') };
}

it('names the credentials file or OPENASE_URL as where the unreachable address came from', async () => {
  // Port 9 (discard) on loopback: nothing listens there.
  writeCredentials(home, { url: 'http://127.0.0.1:9', token: 'oat_x_y' });
  const fromFile = await projectList({ OPENASE_HOME: home });
  expect(fromFile.code).not.toBe(0);
  expect(fromFile.err).toContain(
    `cannot reach the control plane at http://127.0.0.1:9 (from ${path.join(home, 'credentials')}); is it running`,
  );
  expect(fromFile.err).toMatch(/Another address: OPENASE_URL=… or `openase login`/);
  const fromEnv = await projectList({ OPENASE_HOME: home, OPENASE_URL: 'http://127.0.0.1:9' });
  expect(fromEnv.err).toContain('cannot reach the control plane at http://127.0.0.1:9 (OPENASE_URL); is it running');
});
