/**
 * Growing out of the embedded database, as an operator does it (docs/operations.md): a server on
 * PGlite with a board, a real daemon and an agent holding a secret runs a ticket; the server is
 * stopped, `openase db migrate-to postgres://…` moves the instance, and the server is started again
 * on PostgreSQL with the same data dir. The board and the old run's transcript are all there, the
 * daemon reconnects with its machine credentials, and a new ticket's run works: its agent reads
 * the secret stored (encrypted) before the move.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildBundles,
  CP_BUNDLE,
  joinMachine,
  killLeftoverRuns,
  startAgent,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
  type Proc,
} from './fleet-harness.js';
import { createScratchPostgres, postgresUrl } from './databases.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const SECRET = 'sk-live-moved-with-its-key';
const digest = (s: string) => crypto.createHash('sha256').update(s).digest('hex').slice(0, 16);
/** Says which secret it was given (as a digest: the value itself never reaches a transcript). */
const SECRET_AGENT = `const h = require('crypto').createHash('sha256').update(process.env.MOVED_KEY ?? '').digest('hex');
process.stdin.resume();
process.stdin.on('end', () => console.log(JSON.stringify({ type: 'message', role: 'assistant', text: 'key ' + h.slice(0, 16) })));`;

describe.skipIf(!postgresUrl)('a server moved from the embedded database to PostgreSQL [postgres]', () => {
  const home = tempDir('migrate-to-serve');
  let scratch: { url: string; drop(): Promise<void> };
  let cp: ControlPlane;
  let daemon: Proc | null = null;

  beforeAll(async () => {
    buildBundles();
    scratch = await createScratchPostgres(postgresUrl!);
  });
  afterAll(async () => {
    await daemon?.kill();
    killLeftoverRuns();
    await cp?.proc.kill();
    await scratch?.drop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** The message of the agent's run of `ticket` once it ended, and the run. */
  async function agentSaid(ticket: string) {
    const project = await cp.api.projects.get.query({ project: 'moving' });
    const { id } = await cp.api.tickets.show.query({ ticket });
    const run = await waitFor(`a finished run of ${ticket}`, async () => {
      const runs = await cp.api.runs.list.query({ projectId: project.id });
      const mine = runs.items.find((r) => r.ticketId === id && r.kind === 'agent');
      return mine && !['queued', 'offered', 'preparing', 'running'].includes(mine.state) ? mine : undefined;
    });
    const events = await cp.api.runs.events.query({ run: run.id, afterSeq: 0, limit: 1000 });
    const said = events.flatMap((e) => (e.event.type === 'message' ? [e.event.text] : []));
    return { run, said };
  }

  it('keeps the board, the runs and the secrets, and runs a secret-using agent after the move', async () => {
    cp = await startControlPlane(home);
    const api = cp.api;
    await api.projects.create.mutate({ name: 'Moving', ticketPrefix: 'MOV' });
    await api.agents.create.mutate({
      project: 'moving',
      name: 'keyed',
      adapter: 'custom',
      command: process.execPath,
      args: ['-e', SECRET_AGENT],
      secrets: { MOVED_KEY: SECRET },
    });
    await api.workflows.import.mutate({
      project: 'moving',
      source:
        '---\nname: keyed\nagent: keyed\npickup: [Todo]\nfinish: [Done]\nmax_turns: 1\nmax_attempts: 1\n---\nGo.\n',
    });
    for (let i = 1; i <= 5; i++) await api.tickets.create.mutate({ project: 'moving', title: `ticket ${i}` });
    daemon = startAgent(await joinMachine(cp, 'mover', { slots: 1 }));
    await api.tickets.move.mutate({ ticket: 'MOV-1', status: 'Todo' });
    const before = await agentSaid('MOV-1');
    expect(before.said).toContain(`key ${digest(SECRET)}`);
    const boardBefore = await api.tickets.list.query({ project: 'moving' });

    // Stop, move, start on PostgreSQL with the same data dir (its secret.key) and port.
    await cp.proc.kill('SIGTERM');
    const move = spawnSync(process.execPath, [CP_BUNDLE, 'db', 'migrate-to', scratch.url, '--data-dir', home], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '' },
    });
    expect(move.status, move.stderr).toBe(0);
    expect(move.stdout).toMatch(/counts and checksums match/);
    cp = await startControlPlane(home, { databaseUrl: scratch.url, port: cp.port });
    expect(fs.existsSync(path.join(home, 'data'))).toBe(true); // the source is left as it was

    // The board and the old run, as they were.
    const boardAfter = await cp.api.tickets.list.query({ project: 'moving' });
    const summary = (b: typeof boardBefore) => JSON.stringify(b.items.map((t) => [t.identifier, t.title, t.statusId]));
    expect(summary(boardAfter)).toEqual(summary(boardBefore));
    expect((await agentSaid('MOV-1')).said).toEqual(before.said);

    // The daemon comes back with its machine credentials; a new run reads the moved secret.
    await waitFor(
      'the daemon online on the moved instance',
      async () => (await cp.api.machines.show.query({ name: 'mover' })).status === 'online',
    );
    await cp.api.tickets.move.mutate({ ticket: 'MOV-2', status: 'Todo' });
    const after = await agentSaid('MOV-2');
    expect(after.said, JSON.stringify(after.run)).toContain(`key ${digest(SECRET)}`);
    expect(after.run.machineName).toBe('mover');
  });
});
