// Screenshots of every page of the console at 1440×900 and 390×844 into docs/screenshots/
// (`npm run screenshots`). Starts the built control plane with its local machine on a fresh data
// dir, seeds the demo project (scripts/lib/demo-console.mjs, through the real CLI), signs in with
// the admin token the way the sign-in page does, and visits each page in Debian's Chromium.
//   node scripts/screenshots.mjs [--only board,machines] [--out docs/screenshots]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { bundlePath, ensureBuilt, ensureInstalled, root } from './lib/bootstrap.mjs';
import { consolePages, seedDemoProject, signedOutPages } from './lib/demo-console.mjs';
import { startServer, tempDir, trpc } from './bench/lib.mjs';

const { values } = parseArgs({
  options: { only: { type: 'string' }, out: { type: 'string', default: path.join(root, 'docs', 'screenshots') } },
});
const only = values.only ? new Set(values.only.split(',')) : null;
export const VIEWPORTS = [
  { suffix: '', width: 1440, height: 900 },
  { suffix: '-mobile', width: 390, height: 844 },
];

ensureInstalled();
ensureBuilt();
const { chromium } = createRequire(path.join(root, 'web', 'package.json'))('playwright-core');
const server = await startServer({ localMachine: true, env: { OPENASE_WEB_DIST: path.join(root, 'web', 'dist') } });
const profile = tempDir('screenshots-chromium');
const log = (line) => process.stderr.write(`[screenshots] ${line}\n`);
try {
  const cli = (args) => {
    const env = { ...process.env, OPENASE_HOME: server.home, OPENASE_URL: '', OPENASE_TOKEN: '', OPENASE_PROJECT: '' };
    const r = spawnSync(process.execPath, [bundlePath, ...args], { env, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  log('seeding the demo project…');
  const pages = consolePages(seedDemoProject(cli));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  fs.mkdirSync(values.out, { recursive: true });
  const shoot = async (target) => {
    if (only && !only.has(target.name)) return;
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.goto(`${server.url}${target.path}`);
      await page.locator(target.ready).first().waitFor();
      // Let live badges and fonts settle so the picture is the page at rest.
      await page.waitForTimeout(300);
      const file = path.join(values.out, `${target.name}${viewport.suffix}.png`);
      await page.screenshot({ path: file });
      log(`${path.relative(root, file)}`);
    }
  };
  for (const target of signedOutPages) await shoot(target);
  const { code } = await trpc(server.url, server.token, 'auth.createSignInLink', {});
  await page.goto(`${server.url}/auth/signin?code=${encodeURIComponent(code)}`);
  await page.waitForURL(/\/(projects|p\/)/);
  for (const target of pages) await shoot(target);
  await context.close();
} finally {
  await server.stop();
  fs.rmSync(profile, { recursive: true, force: true });
}
