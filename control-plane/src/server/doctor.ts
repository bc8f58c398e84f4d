/**
 * `openase doctor`: checks a host before (or while) it runs the control plane — Node, the release's
 * own files, the data dir and its secret key, the database, git, the sandbox machine `local` needs,
 * the port, the agent CLIs. Each check is a value (status, what, detail a person can act on); the
 * database check opens PostgreSQL but never the embedded database (a running server holds it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openDatabase } from '../db/database.js';
import { releaseMigrationCount } from './schema-level.js';
import { readMigrationLevel } from '../db/transfer/catalog.js';
import { openSession } from '../db/transfer/session.js';
import { SECRET_KEY_FILE } from '../secrets/cipher.js';
import { RELEASE_LAYOUT, releaseFile, releaseRoot } from '../db/release-files.js';
import type { ServerConfig } from './config.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  status: CheckStatus;
  check: string;
  detail: string;
}

const MIN_NODE = [20, 19];

export function checkNode(version = process.versions.node): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0]! || (major === MIN_NODE[0] && minor >= MIN_NODE[1]!);
  return ok
    ? { status: 'ok', check: 'node', detail: `Node.js ${version}` }
    : { status: 'fail', check: 'node', detail: `Node.js ${version}; OpenASE needs ${MIN_NODE.join('.')} or newer` };
}

export function checkReleaseFiles(): Check[] {
  const root = releaseRoot();
  return (Object.keys(RELEASE_LAYOUT) as Array<keyof typeof RELEASE_LAYOUT>).map((which) => {
    const file = releaseFile(which, root);
    return file
      ? { status: 'ok', check: `release: ${which}`, detail: file }
      : {
          status: which === 'agentUnit' ? 'warn' : 'fail',
          check: `release: ${which}`,
          detail: `${RELEASE_LAYOUT[which]} is missing from ${root ?? 'the openase package'} (reinstall the release, or \`npm run build\` in a checkout)`,
        };
  });
}

export function checkDataDir(home: string): Check[] {
  const checks: Check[] = [];
  try {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const probe = path.join(home, `.doctor-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    checks.push({ status: 'ok', check: 'data dir', detail: `${home} is writable` });
  } catch (err) {
    checks.push({ status: 'fail', check: 'data dir', detail: `${home} is not writable: ${(err as Error).message}` });
  }
  const key = path.join(home, SECRET_KEY_FILE);
  if (!fs.existsSync(key))
    checks.push({ status: 'ok', check: 'secret key', detail: `${key} does not exist yet; the first start creates it` });
  else {
    const mode = fs.statSync(key).mode & 0o777;
    checks.push(
      mode & 0o077
        ? { status: 'fail', check: 'secret key', detail: `${key} is readable by others; run \`chmod 600 ${key}\`` }
        : { status: 'ok', check: 'secret key', detail: `${key} (mode ${mode.toString(8)}); back it up with the data` },
    );
  }
  return checks;
}

export async function checkDatabase(config: ServerConfig): Promise<Check> {
  const expected = releaseMigrationCount();
  if (!config.databaseUrl) {
    const dataDir = path.join(config.home, 'data');
    const lock = `${dataDir}.lock`;
    if (fs.existsSync(lock))
      return {
        status: 'ok',
        check: 'database',
        detail: `embedded, in ${dataDir}; held by process ${fs.readFileSync(lock, 'utf8').trim()} (a running server)`,
      };
    return fs.existsSync(path.join(dataDir, 'PG_VERSION'))
      ? { status: 'ok', check: 'database', detail: `embedded, in ${dataDir}` }
      : { status: 'ok', check: 'database', detail: `embedded; the first start creates it in ${dataDir}` };
  }
  try {
    const database = await openDatabase(
      { kind: 'postgres', url: config.databaseUrl, maxConnections: 1 },
      { migrate: false },
    );
    try {
      const s = await openSession(database);
      try {
        const applied = await readMigrationLevel(s)
          .then((l) => l.applied)
          .catch(() => 0);
        if (applied > expected)
          return {
            status: 'fail',
            check: 'database',
            detail: `PostgreSQL has ${applied} schema migrations, this release knows ${expected}: it was used by a newer release`,
          };
        return {
          status: applied === expected ? 'ok' : 'warn',
          check: 'database',
          detail:
            applied === expected
              ? `PostgreSQL reachable, schema current (${applied} migrations)`
              : `PostgreSQL reachable; ${expected - applied} migration(s) will be applied on start`,
        };
      } finally {
        await s.release();
      }
    } finally {
      await database.close();
    }
  } catch (err) {
    return { status: 'fail', check: 'database', detail: `cannot reach PostgreSQL: ${(err as Error).message}` };
  }
}

function onPath(command: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export function checkTools(env: NodeJS.ProcessEnv): Check[] {
  const git = onPath('git', env.PATH);
  const checks: Check[] = [
    git
      ? { status: 'ok', check: 'git', detail: git }
      : { status: 'fail', check: 'git', detail: 'git is not on PATH; runs work in git worktrees' },
  ];
  // The same probe as the daemon's (agent-daemon/src/sandbox/confine.ts): can bwrap make a sandbox here?
  const bwrap = onPath('bwrap', env.PATH);
  let sandbox: string | null = bwrap ? null : 'bubblewrap (bwrap) is not installed';
  if (bwrap)
    try {
      execFileSync(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', 'true'], {
        stdio: 'ignore',
        timeout: 10_000,
      });
    } catch (err) {
      sandbox = `bubblewrap cannot create a sandbox here (${(err as Error).message})`;
    }
  checks.push(
    sandbox
      ? {
          status: 'warn',
          check: 'sandbox',
          detail: `${sandbox}: machine \`local\` stays off (apt-get install bubblewrap, or serve --local-unconfined knowingly)`,
        }
      : { status: 'ok', check: 'sandbox', detail: `${bwrap} confines runs of machine \`local\`` },
  );
  const clis = ['claude', 'codex', 'gemini'].filter((c) => onPath(c, env.PATH));
  checks.push(
    clis.length
      ? { status: 'ok', check: 'agent CLIs', detail: clis.join(', ') }
      : {
          status: 'warn',
          check: 'agent CLIs',
          detail:
            'none of claude, codex, gemini on PATH: this host can run commands and custom agents, not the built-in ones',
        },
  );
  return checks;
}

export async function checkPort(host: string, port: number): Promise<Check> {
  const server = net.createServer();
  const result = await new Promise<Check>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve({
        status: 'warn',
        check: 'port',
        detail: `${host}:${port} is taken (${err.code}): a server already running, or choose --port`,
      }),
    );
    server.listen(port, host, () => resolve({ status: 'ok', check: 'port', detail: `${host}:${port} is free` }));
  });
  await new Promise((r) => server.close(r));
  return result;
}

export async function runDoctor(config: ServerConfig, env: NodeJS.ProcessEnv): Promise<Check[]> {
  return [
    checkNode(),
    ...checkReleaseFiles(),
    ...checkDataDir(config.home),
    await checkDatabase(config),
    ...checkTools(env),
    await checkPort(config.host, config.port),
  ];
}
