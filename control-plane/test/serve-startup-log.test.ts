/**
 * What `openase serve` says when it starts, as an operator reads it (found by following docs/operations.md):
 * - behind a proxy (`--public-url https://…`), where it listens: it used to say "listening on https://…", an
 *   address nothing listens on, and not the port the proxy's `upstream` must name;
 * - on a database a newer release migrated (a rollback, an old replica restarted mid-upgrade): it used to say
 *   "migrations applied" and start, while `openase doctor` failed the same database;
 * - when it cannot start: a taken port or an unreachable PostgreSQL were the bare system error
 *   ("connect ECONNREFUSED 127.0.0.1:5432"), naming neither the database nor the setting to change.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '@openase/test-kit/database-templates';
import { startServer } from '../src/server/serve.js';

describe('openase serve: the start log', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-startup-log-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  seedDataDir(home);
  const config = {
    port: 0,
    host: '127.0.0.1',
    home,
    databaseUrl: null,
    publicUrl: 'https://openase.example.com',
    publicUrlConfigured: true,
  };

  it('names the address it listens on and the public URL; warns on a schema newer than the release', async () => {
    const lines: string[] = [];
    const server = await startServer(config, (line) => lines.push(line));
    try {
      const listening = lines.find((l) => l.includes('listening on'));
      expect(listening).toMatch(
        new RegExp(`listening on http://127\\.0\\.0\\.1:${server.port} for https://openase\\.example\\.com \\(ready`),
      );
      expect(lines.join('\n')).toMatch(/migrations applied/);
      // What a newer release leaves behind: one more migration than this release ships.
      await server.database.db.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-release', 4102444800000)`,
      );
    } finally {
      await server.close();
    }

    const again: string[] = [];
    const downgraded = await startServer(config, (line) => again.push(line));
    await downgraded.close();
    const said = again.join('\n');
    expect(said).not.toMatch(/migrations applied/);
    expect(said).toMatch(/schema has \d+ migrations, this release \(OpenASE [^)]+\) knows \d+: a newer release/);
  });

  it('says which port is taken and which database cannot be reached, and what to change', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startServer({ ...config, port }, () => {})).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port} is already in use .*--port or OPENASE_PORT`),
      );
    } finally {
      taken.close();
    }
    await expect(
      startServer({ ...config, databaseUrl: `postgres://openase:pw@127.0.0.1:${port}/openase` }, () => {}),
    ).rejects.toThrow(
      /cannot open PostgreSQL postgres:\/\/openase:\*\*\*@127\.0\.0\.1:\d+\/openase \(DATABASE_URL or --database-url\): /,
    );
  });
});
