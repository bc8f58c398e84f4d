// Screenshots of every page of the console at 1440×900 and 390×844 into docs/screenshots/
// (`npm run screenshots`). Starts the built control plane with its local machine on a fresh data
// dir, seeds the demo project (scripts/lib/demo-console.mjs, through the API), signs in with
// the admin token the way the sign-in page does, and visits each page in Debian's Chromium.
//   node scripts/screenshots.mjs [--only board,machines] [--out docs/screenshots]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ensureBuilt, ensureInstalled, root } from './lib/bootstrap.mjs';
import { consolePages, demoCaller, seedDemoProject, signedOutPages } from './lib/demo-console.mjs';
import { startServer, tempDir, trpc } from './bench/lib.mjs';

const { values } = parseArgs({
  options: { only: { type: 'string' }, out: { type: 'string', default: path.join(root, 'docs', 'screenshots') } },
});
const only = values.only ? new Set(values.only.split(',')) : null;
export const VIEWPORTS = [
  { suffix: '', width: 1440, height: 900 },
  { suffix: '-mobile', width: 390, height: 844 },
];

/** Pages also photographed in the dark theme (`<page>-dark.png`, 1440×900). */
const DARK = ['board', 'ticket-drawer', 'overview', 'timeline', 'machines'];

ensureInstalled();
ensureBuilt();
const { chromium } = createRequire(path.join(root, 'web', 'package.json'))('playwright-core');
const server = await startServer({ localMachine: true, env: { OPENASE_WEB_DIST: path.join(root, 'web', 'dist') } });
const profile = tempDir('screenshots-chromium');
const log = (line) => process.stderr.write(`[screenshots] ${line}\n`);
try {
  log('seeding the demo project…');
  const pages = consolePages(await seedDemoProject(demoCaller(server.url, server.token)));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  fs.mkdirSync(values.out, { recursive: true });
  const shoot = async (target, viewports = VIEWPORTS) => {
    if (only && !only.has(target.name)) return;
    for (const viewport of viewports) {
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
  // A few pages in the dark theme too (ui/theme.ts reads the choice from localStorage).
  await page.evaluate(() => localStorage.setItem('openase.theme', 'dark'));
  for (const target of pages.filter((p) => DARK.includes(p.name)))
    await shoot(target, [{ ...VIEWPORTS[0], suffix: '-dark' }]);
  await page.evaluate(() => localStorage.removeItem('openase.theme'));
  await context.close();
} finally {
  await server.stop();
  fs.rmSync(profile, { recursive: true, force: true });
}
