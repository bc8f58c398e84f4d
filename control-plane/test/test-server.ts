/**
 * The control plane's server in this test process (no bundle), on a fresh data dir and the embedded database, or
 * a scratch PostgreSQL database when asked: for tests of the HTTP edge that need no daemon.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../src/server/serve.js';
import { readCredentials } from '../src/server/credentials.js';
import { createMigratedPostgres } from '@openase/test-kit/databases';
import { seedDataDir } from '@openase/test-kit/database-templates';

export interface TestServer {
  server: RunningServer;
  /** The data dir (`openase-<prefix>…` under the system's temp dir). */
  home: string;
  /** The admin token the first start wrote to the data dir. */
  token: string;
  /** Closes the server, drops its scratch database and removes the data dir. */
  stop(): Promise<void>;
}

export async function startTestServer(prefix: string, opts: { postgres?: boolean } = {}): Promise<TestServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const scratch = opts.postgres ? await createMigratedPostgres() : null;
  // The embedded database starts on a copy of the migrated template (its migrations find nothing to do).
  if (!scratch) seedDataDir(home);
  const server = await startServer(
    { port: 0, host: '127.0.0.1', home, databaseUrl: scratch?.url ?? null, publicUrl: 'http://127.0.0.1:0' },
    () => {},
  );
  return {
    server,
    home,
    token: readCredentials(home)!.token,
    async stop() {
      await server.close();
      await scratch?.drop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
