/**
 * A real `openase serve` process from the bundle on a fresh data dir (embedded database), and a
 * runner for CLI processes against it: for the CLI tests and the browser tests (web/test/e2e).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM helper without types
import { bundlePath, ensureBuilt } from '../../scripts/lib/bootstrap.mjs';
import { seedDataDir } from './database-templates.js';
import { shareSecretKey } from '../../scripts/lib/shared-secret-key.mjs';

export const bundle = bundlePath as string;

export interface ServerProcess {
  url: string;
  /** The first start's one-time sign-in link. */
  signInUrl: string;
  home: string;
  output(): string;
  cli(
    args: string[],
    opts?: { input?: string; env?: NodeJS.ProcessEnv },
  ): { code: number | null; out: string; err: string };
  stop(): Promise<void>;
  /** Stops the server process but keeps its data dir (a crash or an upgrade); `startAgain` brings it back. */
  halt(): Promise<void>;
  /** Starts the halted server again on the same port and data dir. */
  startAgain(): Promise<void>;
}

/**
 * `openase`: the checkout's bundle (built first) unless `openase` names another executable (an
 * installed release); `cwd` is where the server and the CLI run.
 */
export async function startServerProcess(
  opts: { prefix?: string; env?: NodeJS.ProcessEnv; openase?: string; cwd?: string } = {},
): Promise<ServerProcess> {
  if (!opts.openase) (ensureBuilt as () => void)();
  const [command, ...pre] = opts.openase ? [opts.openase] : [process.execPath, bundle];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'openase-cli-'));
  // The checkout's own server starts on the migrated template (an installed release migrates its own).
  if (!opts.openase && !opts.env?.DATABASE_URL) seedDataDir(home);
  else if (opts.env?.DATABASE_URL) shareSecretKey(home);
  let server: ChildProcess;
  let output = '';
  const launch = (port: string) =>
    new Promise<{ url: string; signInUrl: string | undefined }>((resolve, reject) => {
      const from = output.length;
      server = spawn(command!, [...pre, 'serve', '--port', port, '--host', '127.0.0.1', '--data-dir', home], {
        env: { ...process.env, DATABASE_URL: '', ...opts.env },
        cwd: opts.cwd,
      });
      // A server that never says it listens is killed: a failed start must not leave it running.
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        reject(new Error(`server did not start:\n${output}`));
      }, 120_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const since = output.slice(from);
        const listening = /listening on (http:\/\/\S+)/.exec(since);
        const link = /(http:\/\/\S+\/auth\/signin\?code=\S+)/.exec(since);
        // Only the first start prints a sign-in link.
        if (listening && (port !== '0' || (link && /credentials/.test(since)))) {
          clearTimeout(timer);
          resolve({ url: listening[1]!, signInUrl: link?.[1] });
        }
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', onData);
      server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
  const first = await launch('0');
  const url = first.url;
  const signInUrl = first.signInUrl!;
  const halt = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  };
  return {
    url,
    signInUrl,
    home,
    output: () => output,
    cli(args, cliOpts = {}) {
      const r = spawnSync(command!, [...pre, ...args], {
        cwd: opts.cwd,
        env: {
          ...process.env,
          OPENASE_HOME: home,
          OPENASE_URL: '',
          OPENASE_TOKEN: '',
          OPENASE_PROJECT: '',
          ...cliOpts.env,
        },
        encoding: 'utf8',
        input: cliOpts.input,
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    async stop() {
      await halt();
      fs.rmSync(home, { recursive: true, force: true });
    },
    halt,
    async startAgain() {
      await launch(new URL(url).port);
    },
  };
}
