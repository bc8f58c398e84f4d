/** `openase-agent join` against a real server: an expired join token is refused with the reason. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { createJoinToken } from '../src/fleet/join.js';
import { systemActor } from '../src/kernel/context.js';
import { joinTokens, machineCredentials, organizations } from '../src/db/schema.js';
import { AGENT_BUNDLE, Proc, buildBundles, tempDir } from '@openase/test-kit/fleet-harness';

describe('join refusals', () => {
  let server: RunningServer;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    buildBundles();
    ({ server, stop } = await startTestServer('openase-cp-join-'));
  });
  afterAll(async () => {
    await stop?.();
  });

  const join = async (token: string, agentHome: string) => {
    const p = new Proc(
      spawn(process.execPath, [AGENT_BUNDLE, 'join', server.url, token, '--name', 'late', '--home', agentHome]),
    );
    return { code: await p.exited, output: p.output };
  };

  it('refuses an expired join token and a malformed one, writing no credential', async () => {
    const [org] = await server.deps.db.select().from(organizations);
    const created = await createJoinToken(server.deps, systemActor(org!.id, 'test'), {});
    await server.deps.db
      .update(joinTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(joinTokens.id, created.id));
    const agentHome = tempDir('agent-late');
    const expired = await join(created.token, agentHome);
    expect(expired.code).toBe(1);
    expect(expired.output).toMatch(/join refused: the join token expired at .*create a new one/);
    const malformed = await join('oaj_garbage', agentHome);
    expect(malformed.code).toBe(1);
    expect(malformed.output).toMatch(/join refused: the join token is malformed/);
    expect(fs.existsSync(path.join(agentHome, 'credential.json'))).toBe(false);
    const usage = await join('', agentHome);
    expect(usage.code).toBe(2);
  });

  it('refuses a daemon whose machine credential expired, and the daemon stops and says why', async () => {
    const [org] = await server.deps.db.select().from(organizations);
    const created = await createJoinToken(server.deps, systemActor(org!.id, 'test'), { credentialTtlSeconds: 3600 });
    const agentHome = tempDir('agent-expiring');
    const p = new Proc(
      spawn(process.execPath, [
        AGENT_BUNDLE,
        'join',
        server.url,
        created.token,
        '--name',
        'expiring',
        '--home',
        agentHome,
      ]),
    );
    expect(await p.exited, p.output).toBe(0);
    await server.deps.db.update(machineCredentials).set({ expiresAt: new Date(Date.now() - 1000) });
    const run = new Proc(spawn(process.execPath, [AGENT_BUNDLE, 'run', '--home', agentHome]));
    expect(await run.exited).not.toBe(0);
    expect(run.output).toMatch(
      /refused this machine's credential: the credential of machine expiring expired at .*; not reconnecting/,
    );
  });
});
