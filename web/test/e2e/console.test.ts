/**
 * The console in a real headless Chromium against a freshly started control plane: the first
 * user's path from the one-time sign-in link to a board that follows changes live.
 * Screenshots of each page go to test-artifacts/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, launchBrowser, screenshotDir, startControlPlane, type ControlPlane } from './harness';

let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
const card = (p: Page, identifier: string) => p.locator(`[data-test=card][data-ticket="${identifier}"]`);
const column = (p: Page, status: string) => p.locator(`[data-test=column][data-status="${status}"]`);
/** `openase ticket create` in project demo titled `title`, with more options after. */
const createTicket = (title: string, ...options: string[]) =>
  cp.cli(['ticket', 'create', '--project', 'demo', '--title', title, ...options]);
function showJson(args: string[]) {
  const r = cp.cli([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe('web console in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    cp = await startControlPlane();
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(10_000);
    page = context.pages()[0] ?? (await context.newPage());
  });
  afterEach(async (ctx) => {
    // A failed step leaves a picture of what the browser showed.
    if (ctx.task.result?.state === 'fail')
      for (const [i, p] of context.pages().entries())
        await shot(p, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}-${i}`).catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
  });

  it('sends a signed-out visitor to a sign-in page that explains how to get a link', async () => {
    await page.goto(`${cp.url}/p/anything/board`);
    await page.waitForURL(/\/signin/);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/Sign in to OpenASE/);
    expect(await page.textContent('body')).toContain('openase auth signin-link');
    await shot(page, '01-signin');
  });

  it('signs in with the one-time link and lands on the console with an empty state', async () => {
    await page.goto(cp.signInUrl);
    await page.waitForURL(/\/projects$/);
    await page.getByText('Welcome to OpenASE').waitFor();
    await page.locator('[data-test=live].live:visible').waitFor();
    await shot(page, '02-projects-empty');
  });

  it('creates a project and shows its empty board', async () => {
    await page.fill('[data-test=project-create] input[name=name]', 'Demo');
    await page.click('[data-test=project-create] button[type=submit]');
    await page.waitForURL(/\/p\/demo\/board/);
    await page.getByText('No tickets in Demo yet').waitFor();
    await shot(page, '03-board-empty');
  });

  it('creates a ticket with every field from the keyboard shortcut', async () => {
    await page.keyboard.press('c');
    const form = page.locator('[data-test=new-ticket-form]');
    await form.waitFor();
    await form.locator('input[name=title]').fill('Add login');
    await form.locator('textarea[name=description]').fill('Users sign in with **email**.\n\n<script>alert(1)</script>');
    await form.locator('select[name=priority]').selectOption('high');
    await form.locator('input[name=labels]').fill('auth, backend');
    await form.locator('input[name=budget]').fill('5');
    await form.locator('button[type=submit]').click();
    await card(page, 'DEMO-1').waitFor();
    const detail = showJson(['ticket', 'show', 'DEMO-1']);
    expect(detail).toMatchObject({
      title: 'Add login',
      priority: 'high',
      labels: ['auth', 'backend'],
      budgetUsd: 5,
      status: { name: 'Backlog' },
    });
    expect(await column(page, 'Backlog').locator('[data-test=card]').count()).toBe(1);
  });

  it('drags the ticket to Todo, and the move is persisted', async () => {
    await card(page, 'DEMO-1').dragTo(column(page, 'Todo'));
    await column(page, 'Todo').locator('[data-ticket="DEMO-1"]').waitFor();
    await eventually(
      () => (showJson(['ticket', 'show', 'DEMO-1']).status.name === 'Todo' ? true : undefined),
      'DEMO-1 to be in Todo on the server',
    );
    createTicket('Write the sign-up page', '--priority', 'medium', '--label', 'frontend');
    createTicket('Rate-limit the API', '--priority', 'urgent', '--label', 'backend', '--label', 'security');
    await card(page, 'DEMO-3').waitFor();
    await shot(page, '04-board');
  });

  it('shows a change made with the CLI in the open board within one second, without reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const created = createTicket('Made in the terminal', '--label', 'cli');
    expect(created.code, created.err).toBe(0);
    await card(page, 'DEMO-4').waitFor({ timeout: 1000 });
    const moved = cp.cli(['ticket', 'move', 'DEMO-4', 'In Progress']);
    expect(moved.code, moved.err).toBe(0);
    await column(page, 'In Progress').locator('[data-ticket="DEMO-4"]').waitFor({ timeout: 1000 });
    expect(navigations).toEqual([]);
  });

  it('rolls a refused move back with a visible message (a stale board in a second tab)', async () => {
    // A tab whose live stream cannot connect does not learn that a status was deleted.
    const stale = await context.newPage();
    await stale.route('**/trpc/live.changes**', (route) => route.abort());
    await stale.goto(`${cp.url}/p/demo/board`);
    await card(stale, 'DEMO-1').waitFor();
    const removed = cp.cli(['status', 'delete', 'In Review', '--project', 'demo']);
    expect(removed.code, removed.err).toBe(0);
    await card(stale, 'DEMO-1').dragTo(column(stale, 'In Review'));
    const notice = stale.locator('[data-test=notice]').filter({ hasText: 'DEMO-1 was not moved to In Review' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/status "In Review" does not exist/);
    await column(stale, 'Todo').locator('[data-ticket="DEMO-1"]').waitFor();
    expect(await column(stale, 'In Review').locator('[data-test=card]').count()).toBe(0);
    await shot(stale, '05-move-refused');
    expect(showJson(['ticket', 'show', 'DEMO-1']).status.name).toBe('Todo');
    // Once the stream gets through, the tab catches up without a reload.
    await stale.unroute('**/trpc/live.changes**');
    await eventually(
      async () => ((await column(stale, 'In Review').count()) === 0 ? true : undefined),
      'the deleted column to disappear',
      40_000,
    );
    await stale.close();
  });

  it('opens the drawer, renders Markdown safely, and takes a comment', async () => {
    await card(page, 'DEMO-1').click();
    await page.waitForURL(/\/p\/demo\/board\/DEMO-1/);
    const drawer = page.locator('[data-test=drawer]');
    await drawer.locator('.markdown strong', { hasText: 'email' }).waitFor();
    expect(await drawer.locator('.markdown script').count()).toBe(0);
    expect(await drawer.locator('.markdown').first().textContent()).toContain('<script>alert(1)</script>');
    await drawer.locator('[data-test=comment-form] textarea').fill('Looks good, see `auth.ts`.');
    await drawer.locator('[data-test=comment-form] button').click();
    await drawer.locator('[data-test=comment]', { hasText: 'Looks good' }).waitFor();
    expect(showJson(['ticket', 'show', 'DEMO-1']).comments.map((c: { body: string }) => c.body)).toEqual([
      'Looks good, see `auth.ts`.',
    ]);
    // A comment made elsewhere appears in the open drawer.
    const r = cp.cli(['ticket', 'comment', 'DEMO-1', 'From the terminal']);
    if (r.code === 0) await drawer.locator('[data-test=comment]', { hasText: 'From the terminal' }).waitFor();
    // One stream: the comment with its text, newest first, above the ticket's creation; Comments alone on demand.
    const history = drawer.locator('[data-test=ticket-history]');
    await history.locator('li[data-kind=comment]', { hasText: 'Looks good, see auth.ts' }).waitFor();
    const kinds = await history.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.indexOf('comment')).toBeLessThan(kinds.lastIndexOf('activity'));
    expect(await history.locator('li[data-action="comment.added"]').count()).toBe(0);
    await history.getByLabel('Show in the history').selectOption('comment');
    expect(
      new Set(await history.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))),
    ).toEqual(new Set(['comment']));
    await history.getByLabel('Show in the history').selectOption('all');
    await shot(page, '06-ticket-drawer');
    await page.keyboard.press('Escape');
    await page.waitForURL(/\/p\/demo\/board$/);
  });

  it('filters with `/` search, labels and priority', async () => {
    await page.keyboard.press('/');
    await page.keyboard.type('terminal');
    await eventually(
      async () => ((await page.locator('[data-test=card]').count()) === 1 ? true : undefined),
      'only DEMO-4 to be shown',
    );
    await card(page, 'DEMO-4').waitFor();
    await page.fill('input[aria-label="Search tickets"]', '');
    await page.selectOption('select[aria-label="Label filter"]', 'backend');
    await eventually(
      async () => ((await page.locator('[data-test=card]').count()) === 2 ? true : undefined),
      'the two backend tickets',
    );
    await page.selectOption('select[aria-label="Priority filter"]', 'urgent');
    await eventually(
      async () => ((await page.locator('[data-test=card]').count()) === 1 ? true : undefined),
      'the urgent backend ticket',
    );
    await card(page, 'DEMO-3').waitFor();
    await page.click('text=Clear filters');
    await eventually(
      async () => ((await page.locator('[data-test=card]').count()) === 4 ? true : undefined),
      'all four tickets again',
    );
  });

  it('edits in the drawer: comment history, dependencies, children, fields, archive', async () => {
    await page.goto(`${cp.url}/p/demo/board/DEMO-1`);
    const drawer = page.locator('[data-test=drawer]');
    // The first comment is the one made in the browser (comments are oldest first).
    const mine = drawer.locator('[data-test=comment]').first();
    await mine.locator('text=Looks good').waitFor();
    await mine.locator('button', { hasText: 'Edit' }).click();
    await mine.locator('textarea').fill('Looks great now.');
    await mine.locator('button', { hasText: 'Save' }).click();
    await drawer.locator('[data-test=comment]', { hasText: 'Looks great now.' }).locator('text=edited (1)').click();
    await drawer.locator('.history', { hasText: 'Looks good, see auth.ts' }).waitFor();

    await drawer.locator('select[aria-label=Relation]').selectOption('blockedBy');
    // The picker is a combobox: type the identifier, Enter picks the match, Enter again adds.
    await drawer.getByRole('combobox', { name: 'Other ticket' }).fill('DEMO-2');
    await drawer.locator('.relations [role=option][data-ticket="DEMO-2"]').click();
    await drawer.locator('.relations button', { hasText: 'Add' }).click();
    await drawer.locator('[data-test=rel-blockedBy]', { hasText: 'DEMO-2' }).waitFor();
    await drawer.locator('select[aria-label=Relation]').selectOption('child');
    // The picker is a combobox: type the identifier, Enter picks the match, Enter again adds.
    await drawer.getByRole('combobox', { name: 'Other ticket' }).fill('DEMO-3');
    await drawer.locator('.relations [role=option][data-ticket="DEMO-3"]').click();
    await drawer.locator('.relations button', { hasText: 'Add' }).click();
    await drawer.locator('[data-test=rel-children]', { hasText: 'DEMO-3' }).waitFor();
    const detail = showJson(['ticket', 'show', 'DEMO-1']);
    expect(detail.blockedBy.map((t: { identifier: string }) => t.identifier)).toEqual(['DEMO-2']);
    expect(detail.children.map((t: { identifier: string }) => t.identifier)).toEqual(['DEMO-3']);
    // Changes made elsewhere that concern this ticket show up in the open drawer.
    expect(cp.cli(['ticket', 'update', 'DEMO-4', '--parent', 'DEMO-1']).code).toBe(0);
    await drawer.locator('[data-test=rel-children]', { hasText: 'DEMO-4' }).waitFor();
    expect(cp.cli(['ticket', 'update', 'DEMO-4', '--parent', 'none']).code).toBe(0);
    await eventually(
      async () =>
        (await drawer.locator('[data-test=rel-children]', { hasText: 'DEMO-4' }).count()) === 0 ? true : undefined,
      'DEMO-4 to leave the children',
    );
    await drawer.locator('[data-test=rel-blockedBy] button', { hasText: 'Remove' }).click();
    await eventually(
      async () => ((await drawer.locator('[data-test=rel-blockedBy]').count()) === 0 ? true : undefined),
      'the dependency to be removed',
    );
    expect(showJson(['ticket', 'show', 'DEMO-1']).blockedBy).toEqual([]);

    await drawer.locator('select[data-test=drawer-status]').selectOption('In Progress');
    await column(page, 'In Progress').locator('[data-ticket="DEMO-1"]').waitFor();
    await drawer.locator('input[placeholder=comma-separated]').fill('auth, backend, urgent-fix');
    await drawer.locator('input[placeholder=comma-separated]').press('Tab');
    await eventually(
      () => (showJson(['ticket', 'show', 'DEMO-1']).labels.includes('urgent-fix') ? true : undefined),
      'the labels to be saved',
    );
    await drawer.locator('.drawer-title').click();
    await drawer.locator('.title-edit input').fill('Add login with email');
    await drawer.locator('.title-edit button', { hasText: 'Save' }).click();
    await card(page, 'DEMO-1').locator('text=Add login with email').waitFor();

    await drawer.locator('button', { hasText: 'Archive' }).click();
    await drawer.locator('.tag', { hasText: 'archived' }).waitFor();
    await eventually(
      async () => ((await card(page, 'DEMO-1').count()) === 0 ? true : undefined),
      'the archived card to leave the board',
    );
    await drawer.locator('button', { hasText: 'Restore' }).click();
    await card(page, 'DEMO-1').waitFor();
    await page.keyboard.press('Escape');
  });

  it('shows the list view, the activity page and the statuses page', async () => {
    await page.click('[data-test=list-view]');
    await page.locator('[data-test=ticket-table] tbody tr').nth(3).waitFor();
    await shot(page, '07-list');
    await page.click('nav.mainnav >> text=Activity');
    await page.locator('[data-test=activity-list] li[data-action="ticket.moved"]').first().waitFor();
    const before = await page.locator('[data-test=activity-list] li').count();
    cp.cli(['ticket', 'move', 'DEMO-2', 'Todo']);
    await eventually(
      async () => ((await page.locator('[data-test=activity-list] li').count()) > before ? true : undefined),
      'the activity page to show the new entry',
    );
    await shot(page, '08-activity');
    await page.click('nav.mainnav >> text=Statuses');
    await page.locator('[data-test=status-list] li').first().waitFor();
    await page.fill('[data-test=status-create] input', 'QA');
    await page.click('[data-test=status-create] button');
    await page.locator('[data-test=status-list] li[data-status="QA"]').waitFor();
    await shot(page, '09-statuses');
  });

  it('renames, reorders and deletes statuses, moving their tickets', async () => {
    const row = (name: string) => page.locator(`[data-test=status-list] li[data-status="${name}"]`);
    await row('QA').locator('input.status-name').fill('Quality');
    await row('QA').locator('input.status-name').press('Enter');
    await row('Quality').waitFor();
    const names = () =>
      page.locator('[data-test=status-list] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));
    const before = await names();
    await row('Quality').locator('button[aria-label="Move left"]').click();
    await eventually(async () => {
      const after = await names();
      return after.indexOf('Quality') === before.indexOf('Quality') - 1 ? true : undefined;
    }, 'Quality to move one place left');
    cp.cli(['ticket', 'move', 'DEMO-2', 'Quality']);
    await row('Quality').locator('button', { hasText: 'Delete…' }).click();
    await row('Quality').locator('.delete-form button').click();
    await page.locator('[data-test=notice]', { hasText: /still holds 1 ticket/ }).waitFor();
    await row('Quality').locator('.delete-form select').selectOption('Backlog');
    await row('Quality').locator('.delete-form button').click();
    await eventually(async () => ((await row('Quality').count()) === 0 ? true : undefined), 'the status to be deleted');
    expect(showJson(['ticket', 'show', 'DEMO-2']).status.name).toBe('Backlog');
  });

  it('sorts the list view by a column', async () => {
    await page.goto(`${cp.url}/p/demo/board?view=list`);
    const ids = () => page.locator('[data-test=ticket-table] tbody td.identifier').allTextContents();
    await page.locator('[data-test=ticket-table] tbody tr').first().waitFor();
    await page.click('[data-test=ticket-table] th >> text=Priority');
    await eventually(async () => ((await ids())[0] === 'DEMO-3' ? true : undefined), 'the urgent ticket first');
    await page.click('[data-test=ticket-table] th >> text=ID');
    expect(await ids()).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3', 'DEMO-4']);
    await page.click('[data-test=ticket-table] th >> text=ID');
    expect(await ids()).toEqual(['DEMO-4', 'DEMO-3', 'DEMO-2', 'DEMO-1']);
  });

  it('shows an error state for a project that does not exist', async () => {
    await page.goto(`${cp.url}/p/nope/board`);
    await page.locator('.error-state', { hasText: 'project "nope" does not exist' }).waitFor();
    await page.goto(`${cp.url}/no/such/page`);
    await page.getByText('This page does not exist').waitFor();
  });

  it('serves the built console compressed, with cache headers and an SPA fallback', async () => {
    const index = await fetch(`${cp.url}/p/demo/board/DEMO-1`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${cp.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect((await fetch(`${cp.url}/assets/missing-0000.js`)).status).toBe(404);
    expect((await fetch(`${cp.url}/trpc/no.such.procedure`)).status).toBe(401);
    expect((await fetch(`${cp.url}/auth/other`)).status).toBe(404);
  });

  it('is usable in a narrow window', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${cp.url}/p/demo/board/DEMO-1`);
    await page.locator('[data-test=drawer] [data-test=comment]').first().waitFor();
    await shot(page, '10-narrow-drawer');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out', async () => {
    await page.goto(`${cp.url}/p/demo/board`);
    await page.click('[data-test=account-menu-toggle]');
    await page.click('text=Sign out');
    await page.waitForURL(/\/signin/);
    const res = await page.request.get(`${cp.url}/trpc/auth.whoami`);
    expect(res.status()).toBe(401);
  });

  it('signs in with an API token (the admin one) without storing it in the browser', async () => {
    const token = fs.readFileSync(path.join(cp.home, 'credentials'), 'utf8').match(/oat_[A-Za-z0-9_-]+/)![0];
    await page.goto(`${cp.url}/signin`);
    await page.click('text=Sign in with an API token instead');
    await page.fill('input[type=password]', 'oat_wrong_token');
    await page.click('details button.primary');
    await page.locator('details .error').waitFor();
    await page.fill('input[type=password]', token);
    await page.click('details button.primary');
    await page.waitForURL(/\/p\/demo\/board|\/projects/);
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
    );
    expect(stored).not.toContain(token);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'openase_session')).toMatchObject({ httpOnly: true });
  });
});
