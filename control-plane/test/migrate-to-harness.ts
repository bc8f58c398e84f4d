/**
 * Growing out of the embedded database, shared by migrate-to-serve (a small instance, in `npm test`) and
 * migrate-to-large (10,000 tickets and 1 M events, by hand or `npm run check:migrate-large`): a server on PGlite
 * with project `moving` whose agent reads a secret and a real daemon, the move as an operator runs it (server
 * stopped, `openase db migrate-to`, started again on PostgreSQL with the same data dir and port), and a new ticket's
 * agent run reading the secret moved with its key.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ApiClient } from '../src/cli/client.js';
import {
  buildBundles,
  CP_BUNDLE,
  endedAgentRun,
  killLeftoverRuns,
  startControlPlane,
  startJoinedAgent,
  tempDir,
  waitMachineOnline,
  type ControlPlane,
  type Proc,
} from '@openase/test-kit/fleet-harness';
import { createScratchPostgres, postgresUrl } from '@openase/test-kit/databases';
import { createOneTurnAgent } from '@openase/test-kit/one-turn-agents';

const SECRET = 'sk-live-moved-with-its-key';
/** What the agent says when it was given SECRET. */
const SAID_WITH_SECRET = `key ${crypto.createHash('sha256').update(SECRET).digest('hex').slice(0, 16)}`;
/** Says which secret it was given (as a digest: the value itself never reaches a transcript). */
const SECRET_AGENT = `const h = require('crypto').createHash('sha256').update(process.env.MOVED_KEY ?? '').digest('hex');
process.stdin.resume();
process.stdin.on('end', () => console.log(JSON.stringify({ type: 'message', role: 'assistant', text: 'key ' + h.slice(0, 16) })));`;

/** Project `moving` (MOV-1…MOV-5, in Backlog): its agent holds the secret, its workflow picks up Todo once. */
async function createMovingProject(api: ApiClient): Promise<void> {
  await api.projects.create.mutate({ name: 'Moving', ticketPrefix: 'MOV' });
  await createOneTurnAgent(api, 'moving', {
    name: 'keyed',
    args: ['-e', SECRET_AGENT],
    secrets: { MOVED_KEY: SECRET },
    finish: 'Done',
    prompt: 'Go.',
  });
  for (let i = 1; i <= 5; i++) await api.tickets.create.mutate({ project: 'moving', title: `ticket ${i}` });
}

/** The board of a project as the console loads it: every page of its tickets. */
export async function wholeBoard(api: ApiClient, project: string) {
  const items: Awaited<ReturnType<ApiClient['tickets']['list']['query']>>['items'] = [];
  let cursor: string | undefined;
  do {
    const page = await api.tickets.list.query({ project, limit: 5000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/**
 * One instance to move, for one describe block (hooks registered here: a scratch PostgreSQL database, everything
 * stopped and removed after). `cp` is the running server, on PGlite until `move()`, on PostgreSQL after.
 */
export function movingInstance(prefix: string) {
  const it = {
    home: tempDir(prefix),
    scratch: null as unknown as { url: string; drop(): Promise<void> },
    cp: null as unknown as ControlPlane,
    daemon: null as Proc | null,

    /** Starts the server on PGlite, creates `moving`, joins daemon `mover`; then `more` (other data) runs. */
    async start(more: (cp: ControlPlane) => Promise<void> = async () => {}) {
      it.cp = await startControlPlane(it.home);
      await createMovingProject(it.cp.api);
      await more(it.cp);
      it.daemon = await startJoinedAgent(it.cp, 'mover', { slots: 1 });
    },

    /** Moves `ticket` to Todo; its ended agent run and what its agent said (the secret's digest is checked). */
    async runTicket(ticket: string) {
      await it.cp.api.tickets.move.mutate({ ticket, status: 'Todo' });
      const ran = await it.ticketSaid(ticket);
      expect(ran.said, JSON.stringify(ran.run)).toContain(SAID_WITH_SECRET);
      expect(ran.run.machineName).toBe('mover');
      return ran;
    },

    /** The ended agent run of `ticket` (project `moving`) and what its agent said. */
    async ticketSaid(ticket: string) {
      const project = await it.cp.api.projects.get.query({ project: 'moving' });
      const { id } = await it.cp.api.tickets.show.query({ ticket });
      return endedAgentRun(it.cp.api, project.id, id);
    },

    /** Stops the server (the embedded database is then free for the move, or to be filled). */
    async stop() {
      await it.cp.proc.kill('SIGTERM');
    },

    /** `openase db migrate-to` as an operator runs it (server stopped); its output. */
    migrate(): string {
      const move = spawnSync(process.execPath, [CP_BUNDLE, 'db', 'migrate-to', it.scratch.url, '--data-dir', it.home], {
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: '' },
      });
      expect(move.status, move.stderr).toBe(0);
      expect(move.stdout).toMatch(/counts and checksums match/);
      return move.stdout;
    },

    /** Starts the server again on PostgreSQL with the same data dir (its secret.key) and port. */
    async restartOnPostgres() {
      it.cp = await startControlPlane(it.home, { databaseUrl: it.scratch.url, port: it.cp.port });
    },

    /** The daemon back with its machine credentials; then a new ticket's run reads the moved secret. */
    async runAfterMove(ticket: string) {
      await waitMachineOnline(it.cp.api, 'mover', 'the daemon online on the moved instance');
      return it.runTicket(ticket);
    },
  };
  beforeAll(async () => {
    buildBundles();
    it.scratch = await createScratchPostgres(postgresUrl!);
  });
  afterAll(async () => {
    await it.daemon?.kill();
    killLeftoverRuns();
    await it.cp?.proc.kill();
    await it.scratch?.drop();
    fs.rmSync(it.home, { recursive: true, force: true });
  });
  return it;
}
