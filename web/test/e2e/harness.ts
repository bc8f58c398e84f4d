/**
 * What the browser tests stand on: the real control plane (the built bundle, port 0, a fresh
 * data dir, embedded database), the real CLI bundle against it, and Debian's Chromium driven by
 * playwright-core (never a downloaded browser).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
// @ts-expect-error plain ESM helper without types
import { root } from '../../../scripts/lib/bootstrap.mjs';
import { startServerProcess, type ServerProcess } from '../../../control-plane/test/server-process.js';

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
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found)
    throw new Error(
      'Chromium is not installed: run `apt-get install -y chromium` (or set CHROMIUM_PATH); .ci/run installs it',
    );
  return found;
}

export type ControlPlane = ServerProcess;

/** The control plane serving this checkout's built console (web/dist). */
export function startControlPlane(env: NodeJS.ProcessEnv = {}): Promise<ControlPlane> {
  // Two slots for machine `local` whatever the host's cores (tests fill them on purpose).
  return startServerProcess({
    prefix: 'openase-e2e-',
    env: { OPENASE_WEB_DIST: path.join(repoRoot, 'web', 'dist'), OPENASE_LOCAL_SLOTS: '2', ...env },
  });
}

export async function launchBrowser(
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  deadlineMs = 10_000,
): Promise<T> {
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
