/**
 * Every page of the console, signed out and signed in, on a seeded demo project at 1440×900 and at phone
 * size (390×844), and the board's dialogs open (shortcuts, command palette, delete confirmation): axe-core
 * finds no serious or critical violation, and no checkbox stands apart from its words. The page list is the one
 * the screenshots script uses (scripts/lib/demo-console.mjs), so a new page is checked once it is listed there.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { consolePages, signedOutPages } from '../../../scripts/lib/demo-console.mjs';
import { seriousViolations } from './axe';
import { launchBrowser, seedDemo, startControlPlane, type ControlPlane } from './harness';

interface ConsolePage {
  name: string;
  path: string;
  ready: string;
}

let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let pages: ConsolePage[];

/** Every listed page's problems, by page name (pages without problems left out). */
async function problemsOf(targets: ConsolePage[]) {
  const found: Record<string, unknown> = {};
  for (const target of targets) {
    await page.goto(`${cp.url}${target.path}`);
    await page.locator(target.ready).first().waitFor();
    const problems = [...(await seriousViolations(page)), ...(await detachedChecks(page))];
    if (problems.length) found[`${target.name} ${target.path}`] = problems;
  }
  return found;
}

/** Checkboxes and radios whose words do not sit on their line (the token scopes had each box above its words). */
async function detachedChecks(on: Page): Promise<string[]> {
  return on.evaluate(() =>
    [...document.querySelectorAll('label')].flatMap((label) => {
      const box = label.querySelector(':scope > input[type=checkbox], :scope > input[type=radio]');
      const words = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      if (!box || !words) return [];
      const range = document.createRange();
      range.selectNodeContents(words);
      const [line] = range.getClientRects();
      const b = box.getBoundingClientRect();
      if (!line || b.height === 0) return [];
      return line.top < b.bottom && line.bottom > b.top ? [] : [`checkbox apart from "${words.textContent!.trim()}"`];
    }),
  );
}

describe('accessibility of every page (axe-core, serious and critical)', () => {
  beforeAll(async () => {
    cp = await startControlPlane();
    browser = await launchBrowser({ width: 1440, height: 900 });
    browser.context.setDefaultTimeout(20_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    pages = consolePages(await seedDemo(cp));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  it('signed out: sign-in, used sign-in link, malformed invitation', async () => {
    expect(await problemsOf(signedOutPages as ConsolePage[])).toEqual({});
  });

  it('shows a refused sign-in link as a styled page that says why', async () => {
    await page.goto(`${cp.url}/auth/signin?code=osl_not-a-real-code`);
    const problem = page.locator('[role=alert]');
    expect(await problem.textContent()).toMatch(/^This sign-in link is malformed; ask an admin for a new one/);
    // The console's look: the sign-in card on the page background, not the browser's default page.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 249)');
    expect(await page.locator('.card h1').textContent()).toContain('Sign-in failed');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  it('signs in with an API token and lands on the page that was asked for', async () => {
    await page.goto(`${cp.url}/p/demo/board/DEMO-1`);
    await page.waitForURL(/\/signin\?next=/);
    const token = /oat_[A-Za-z0-9_-]+/.exec(fs.readFileSync(path.join(cp.home, 'credentials'), 'utf8'))![0];
    await page.locator('details summary').click();
    await page.locator('input[type=password]').fill(token);
    await page.locator('input[type=password]').press('Enter');
    await page.waitForURL(`${cp.url}/p/demo/board/DEMO-1`);
    await page.locator('[data-test=drawer] h2').waitFor();
  });

  it('signed in: every page', async () => {
    expect(await problemsOf(pages)).toEqual({});
  }, 300_000);

  it('signed in: the board with its dialogs open', async () => {
    const found: Record<string, unknown> = {};
    const check = async (name: string, dialog: string) => {
      await page.getByRole('dialog', { name: dialog }).waitFor();
      const problems = await seriousViolations(page);
      if (problems.length) found[name] = problems;
      await page.keyboard.press('Escape');
      await page.getByRole('dialog', { name: dialog }).waitFor({ state: 'detached' });
    };
    await page.goto(`${cp.url}/p/demo/board`);
    await page.locator('[data-test=card]').first().waitFor();
    await page.keyboard.press('?');
    await check('shortcuts', 'Keyboard shortcuts');
    await page.keyboard.press('Control+k');
    await page.locator('[data-test=palette-input]').fill('demo');
    await page.locator('[data-test=palette] [role=option]').first().waitFor();
    await check('command palette', 'Go to or do…');
    await page.locator('[data-test=card][data-ticket=DEMO-6] [data-test=pick]').click();
    await page.click('[data-test=bulk-delete]');
    await check('delete confirmation', 'Delete 1 ticket?');
    expect(found).toEqual({});
  });

  it('signed in: every page at phone size (390×844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await problemsOf(pages)).toEqual({});
  }, 300_000);
});
