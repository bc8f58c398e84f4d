// The setup of the browser benchmarks (board-load.mjs, diff-render.mjs) and the control plane they sign in
// to: the built `openase serve` on port 0 with the given data dir, up once it prints where it listens, the
// one-time sign-in link and that it wrote the CLI's credentials.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { bundlePath, ensureBuilt, ensureInstalled, root } from '../lib/bootstrap.mjs';
import { shareSecretKey } from '../lib/shared-secret-key.mjs';

/** Installs and builds what is missing; Playwright's Chromium, a fresh data dir and a fresh browser profile. */
export function prepareBrowserBench() {
  ensureInstalled();
  ensureBuilt();
  const { chromium } = createRequire(path.join(root, 'web', 'package.json'))('playwright-core');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-bench-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-bench-chromium-'));
  return { chromium, home, profile };
}

/** Resolves with the server process, its URL, the sign-in link, the CLI token and `output()` (all it printed). */
export async function serveForBrowser({ home, databaseUrl }) {
  if (databaseUrl) shareSecretKey(home);
  const server = spawn(
    process.execPath,
    [bundlePath, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', home],
    { env: { ...process.env, DATABASE_URL: databaseUrl } },
  );
  let output = '';
  const { url, signIn } = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      const link = /(http:\/\/\S+\/auth\/signin\?code=\S+)/.exec(output);
      if (listening && link && /credentials/.test(output)) resolve({ url: listening[1], signIn: link[1] });
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const token = /oat_[A-Za-z0-9_-]+/.exec(fs.readFileSync(path.join(home, 'credentials'), 'utf8'))[0];
  /** SIGTERM, and resolves once it exited. */
  const stop = async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  };
  return { server, url, signIn, token, output: () => output, stop };
}
