/**
 * A real `openase serve` process from the bundle on a fresh data dir, and a runner for CLI
 * processes against it (for CLI tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain ESM helper without types
import { bundlePath, ensureBuilt } from '../../scripts/lib/bootstrap.mjs';

export const bundle = bundlePath as string;

export interface ServerProcess {
  home: string;
  output(): string;
  cli(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): { code: number | null; out: string; err: string };
  stop(): Promise<void>;
}

export async function startServerProcess(prefix = 'openase-cli-'): Promise<ServerProcess> {
  (ensureBuilt as () => void)();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const server: ChildProcess = spawn(process.execPath, [bundle, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', home], { env: { ...process.env, DATABASE_URL: '' } });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/sign in as admin/.test(output) && /credentials/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    home,
    output: () => output,
    cli(args, opts = {}) {
      const r = spawnSync(process.execPath, [bundle, ...args], { env: { ...process.env, OPENASE_HOME: home, OPENASE_URL: '', OPENASE_TOKEN: '', OPENASE_PROJECT: '', ...opts.env }, encoding: 'utf8', input: opts.input });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
