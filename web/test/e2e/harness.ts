/**
 * What the browser tests stand on: the real control plane (the built bundle, port 0, a fresh
 * data dir, embedded database), the real CLI bundle against it, and Debian's Chromium driven by
 * playwright-core (never a downloaded browser).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
// @ts-expect-error plain ESM helper without types
import { bundlePath, ensureBuilt, root } from '../../../scripts/lib/bootstrap.mjs';

export const repoRoot = root as string;
export const screenshotDir = path.join(repoRoot, 'test-artifacts', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('Chromium is not installed: run `apt-get install -y chromium` (or set CHROMIUM_PATH); .ci/run installs it');
  return found;
}

export interface ControlPlane {
  url: string;
  signInUrl: string;
  home: string;
  cli(args: string[]): { code: number | null; out: string; err: string };
  stop(): Promise<void>;
}

export async function startControlPlane(): Promise<ControlPlane> {
  (ensureBuilt as () => void)();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-e2e-'));
  const server: ChildProcess = spawn(process.execPath, [bundlePath as string, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', home], {
    env: { ...process.env, DATABASE_URL: '', OPENASE_WEB_DIST: path.join(repoRoot, 'web', 'dist') },
  });
  let output = '';
  const { url, signInUrl } = await new Promise<{ url: string; signInUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`control plane did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      const link = /(http:\/\/\S+\/auth\/signin\?code=\S+)/.exec(output);
      if (listening && link && /credentials/.test(output)) {
        clearTimeout(timer);
        resolve({ url: listening[1]!, signInUrl: link[1]! });
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => reject(new Error(`control plane exited with ${code}:\n${output}`)));
  });
  return {
    url,
    signInUrl,
    home,
    cli(args) {
      const r = spawnSync(process.execPath, [bundlePath as string, ...args], { env: { ...process.env, OPENASE_HOME: home, OPENASE_URL: '', OPENASE_TOKEN: '' }, encoding: 'utf8' });
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

export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, deadlineMs = 10_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
