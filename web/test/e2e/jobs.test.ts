/**
 * The Jobs page in a real headless Chromium against a real control plane: the empty state, the
 * create form refusing a broken template as you type, a job's next fire times, "Run now" and its
 * fire history, disabling, and a job created elsewhere (CLI) appearing live.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotDir, startControlPlane, type ControlPlane } from './harness';

let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;
const shot = (p: Page, name: string) => p.screenshot({ path: path.join(screenshotDir, `${name}.png`) });

describe('Jobs page in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    cp = await startControlPlane();
    expect(cp.cli(['project', 'create', 'Ops']).code).toBe(0);
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(10_000);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(cp.signInUrl);
    await page.waitForURL((u) => !u.pathname.startsWith('/auth'));
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      await shot(page, `failed-jobs-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  it('shows the empty state, refuses a broken template as you type, and creates a job', async () => {
    await page.goto(`${cp.url}/p/ops/jobs`);
    await page.getByText('No scheduled jobs yet').waitFor();
    await shot(page, 'jobs-01-empty');
    await page.getByRole('button', { name: 'Create the first job' }).click();
    const form = page.locator('[data-test=job-form]');
    await form.locator('input[name=name]').fill('standup');
    await form.locator('input[name=cron]').fill('0 9 * * 1-5');
    await form.locator('input[name=timeZone]').fill('Europe/Berlin');
    await form.locator('input[name=title]').fill('Standup {{dat}}');
    await form
      .locator('[data-test=job-preview] .error')
      .getByText(/unknown placeholder \{\{dat\}\}/)
      .waitFor();
    await form.locator('input[name=timeZone]').fill('Europe/Berln');
    await form
      .locator('[data-test=job-preview] .error')
      .getByText(/unknown time zone "Europe\/Berln"/)
      .waitFor();
    await form.locator('input[name=timeZone]').fill('Europe/Berlin');
    await form.locator('input[name=title]').fill('Standup {{date}} ({{weekday}})');
    await form.locator('select[name=status]').selectOption('Todo');
    await form.locator('input[name=labels]').fill('ops, daily');
    const title = await form.locator('[data-test=preview-title]').textContent();
    expect(title).toMatch(/^Standup \d{4}-\d\d-\d\d \((Monday|Tuesday|Wednesday|Thursday|Friday)\)$/);
    await shot(page, 'jobs-02-form');
    await form.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/p\/ops\/jobs\/standup$/);
    await page.locator('[data-test=job-name]').getByText('standup').waitFor();
    const upcoming = await page.locator('[data-test=job-upcoming] li').allTextContents();
    expect(upcoming).toHaveLength(5);
    for (const line of upcoming) expect(line).toMatch(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:00:00 GMT\+[12]$/);
    await page.locator('[data-test=job-no-fires]').waitFor();
    // The ticket's priority in words ("No priority", never `none`).
    expect(await page.locator('.job-fields').innerText()).toMatch(/Priority\s+No priority/);
  });

  it('runs the job now and shows the fire with its ticket, then disables it', async () => {
    await page.locator('[data-test=job-run-now]').click();
    const fires = page.locator('[data-test=job-fires] tbody tr');
    await fires
      .first()
      .getByText(/^OPS-\d+$/)
      .waitFor();
    // What made it fire, in words (never the code `manual`).
    expect(await fires.first().locator('[data-test=job-fire-trigger]').textContent()).toBe('run now, by hand');
    expect(await fires.first().textContent()).not.toContain('manual');
    // On a phone the fire history fits: each fire a card, not a table scrolling sideways in its box.
    await page.setViewportSize({ width: 420, height: 800 });
    try {
      const box = page.locator('.table-wrap', { has: page.locator('[data-test=job-fires]') });
      expect(await box.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      expect(await page.locator('[data-test=job-fires] thead').isVisible()).toBe(false);
      await shot(page, 'jobs-03-fired-420');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    const tickets = (
      JSON.parse(cp.cli(['ticket', 'list', '--project', 'ops', '--json', '--all']).out) as {
        items: Array<{ title: string; status: { name: string } | string }>;
      }
    ).items;
    expect(tickets.map((t) => t.title)).toEqual([
      expect.stringMatching(/^Standup \d{4}-\d\d-\d\d \([A-Z][a-z]+day\)$/),
    ]);
    await shot(page, 'jobs-03-fired');
    await page.locator('[data-test=job-toggle]').click();
    await page.locator('[data-test=job-state]').getByText('disabled').waitFor();
    await page.getByText('None: the job is disabled.').waitFor();
    expect(JSON.parse(cp.cli(['job', 'show', 'standup', '--project', 'ops', '--json']).out).job.enabled).toBe(false);
  });

  it('lists jobs with their next fire times and shows one created from the CLI live', async () => {
    await page.getByRole('link', { name: '← Scheduled jobs' }).click();
    await page.locator('[data-test=job-table] tr[data-job=standup]').getByText('disabled').waitFor();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-jobs-e2e-'));
    const file = path.join(dir, 'weekly.md');
    fs.writeFileSync(file, '---\ntitle: Weekly report {{date:YYYY}}-W{{week}}\n---\n');
    const created = cp.cli([
      'job',
      'create',
      'weekly',
      '--project',
      'ops',
      '--cron',
      '0 8 * * 1',
      '--tz',
      'America/New_York',
      '--template',
      file,
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(created.code, created.err).toBe(0);
    const row = page.locator('[data-test=job-table] tr[data-job=weekly]');
    await row.waitFor();
    expect(await row.locator('[data-test=job-next]').textContent()).toMatch(
      /^Mon \d{4}-\d\d-\d\d 08:00:00 (EST|EDT|GMT-[45])$/,
    );
    await shot(page, 'jobs-04-list');
  });
});
