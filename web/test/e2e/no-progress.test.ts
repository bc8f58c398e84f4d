/**
 * A run that makes no progress, seen in Chromium: the stand-in agent (custom adapter, real `local` daemon, real
 * git) answers every turn without touching its ticket; after 3 such turns the run is stopped and the ticket
 * parked. The card and the drawer say so in words — no state name, no flag.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestRemote, type TestRemote } from '../../../agent-daemon/test-support/git-remote';
import { launchBrowser, repoRoot, screenshotDir, startControlPlane, type ControlPlane } from './harness';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const STAND_IN = path.join(repoRoot, 'agent-daemon', 'test-support', 'stand-in-agent.mjs');
let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let remote: TestRemote;

const shot = (name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
function cli(args: string[]) {
  const r = cp.cli(args);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

describe('a run stopped for making no progress, in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    remote = createTestRemote({ 'README.md': '# app\n' });
    cp = await startControlPlane();
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(20_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(cp.signInUrl);
    await page.waitForURL(/\/projects$/);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await shot('failed-no-progress').catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    remote?.cleanup();
  });

  it('shows "no progress" on the card and in the drawer, in words', async () => {
    cli(['project', 'create', 'Idle']);
    cli(['repo', 'add', remote.url, '--project', 'idle', '--name', 'app']);
    const script = { steps: [{ text: 'thinking about it' }] };
    cli([
      'agent',
      'create',
      'stand-in',
      '--project',
      'idle',
      '--adapter',
      'custom',
      '--command',
      process.execPath,
      '--arg',
      STAND_IN,
      '--env',
      `STAND_IN_SCRIPT_JSON=${JSON.stringify(script)}`,
    ]);
    cli(['workflow', 'create', '--template', 'full-stack', '--project', 'idle', '--agent', 'stand-in']);
    cli(['ticket', 'create', '--project', 'idle', '--title', 'Never touched', '--status', 'Todo']);
    await page.goto(`${cp.url}/p/idle/board`);
    const badge = page.locator('[data-test=card][data-ticket="IDLE-1"] [data-test=parked-badge]');
    await badge.waitFor({ timeout: 150_000 });
    expect(await badge.textContent()).toMatch(/^\s*Stopped: its agent made no progress: 3 turns in a row/);
    await shot('no-progress-01-card');
    await page.locator('[data-test=card][data-ticket="IDLE-1"]').click();
    const parked = page.locator('[data-test=drawer] [data-test=parked]');
    await parked.waitFor();
    expect(await parked.textContent()).toMatch(/^Parked: its agent made no progress: 3 turns in a row/);
    const drawer = (await page.locator('[data-test=drawer]').textContent()) ?? '';
    expect(drawer).not.toMatch(/--|parked_reason|no_progress/);
    await shot('no-progress-02-drawer');
  });
});
