/**
 * Controls the console lacked (issue 20, "missing controls"), each clicked through in Chromium on
 * the seeded demo project (scripts/lib/demo-console.mjs) and checked through the CLI: the
 * Repositories page, prices on the agent form, searchable parent and dependency pickers, board
 * filters kept in the URL, Ctrl+Enter in New ticket, and the harness editor's Save and refusal.
 */
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestRemote } from '@openase/test-kit/git-remote';
import { eventually, launchBrowser, useDemoConsole } from './harness';

let remote: TestRemote;
let workflow: string;
const ui = useDemoConsole('controls', (session, demo) => {
  remote = session.remote({ 'README.md': '# app\n' });
  workflow = demo.workflow;
});
const goto = (where: string) => ui.page.goto(`${ui.cp.url}/p/demo/${where}`);
const cli = ui.cli;
const show = (args: string[]) => JSON.parse(cli([...args, '--json']));

/** Types into a ticket picker and picks the option of `identifier` with the keyboard. */
async function pickTicket(input: ReturnType<Page['locator']>, typed: string, identifier: string) {
  await input.fill(typed);
  const options = ui.page.locator(`[role=listbox][id="${await input.getAttribute('aria-controls')}"] [role=option]`);
  await expect
    .poll(() => options.evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket'))))
    .toEqual([identifier]);
  await input.press('Enter');
}

describe('console controls in Chromium', () => {
  it("lists and adds the project's repositories on their page", async () => {
    await goto('repositories');
    await ui.page.getByText('No repositories yet').waitFor();
    const form = ui.page.locator('[data-test=repository-add]');
    await form.locator('input[name=url]').fill(remote.url);
    await form.locator('input[name=name]').fill('app');
    await form.locator('input[name=labels]').fill('web, api');
    await form.locator('button[type=submit]').click();
    const row = ui.page.locator('[data-test=repository-list] tr[data-repository=app]');
    await row.waitFor();
    expect(await row.textContent()).toContain('main');
    expect(show(['repo', 'list', '--project', 'demo'])).toEqual([
      expect.objectContaining({ name: 'app', url: remote.url, defaultBranch: 'main', labels: ['web', 'api'] }),
    ]);
  });

  it("sets an agent's prices on its form", async () => {
    await goto('agents');
    await ui.page.locator('[data-agent=coder] button', { hasText: 'Edit' }).click();
    const form = ui.page.locator('[data-test=agent-form]');
    await form.locator('input[name=priceInput]').fill('3');
    await form.locator('input[name=priceOutput]').fill('');
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.error').textContent()).toMatch(/output tokens must be a number/);
    await form.locator('input[name=priceOutput]').fill('15');
    await form.locator('input[name=priceCached]').fill('0.3');
    await form.locator('button[type=submit]').click();
    await eventually(() => {
      const agent = show(['agent', 'show', 'coder', '--project', 'demo']);
      return agent.pricing.input === 3 ? agent.pricing : undefined;
    }, 'the new prices').then((pricing) => expect(pricing).toEqual({ input: 3, output: 15, cached: 0.3 }));
  });

  it('creates a ticket with a searched parent and submits it with Ctrl+Enter', async () => {
    await goto('board');
    await ui.page.locator('[data-test=card]').first().waitFor();
    await ui.page.keyboard.press('c');
    const form = ui.page.locator('[data-test=new-ticket-form]');
    await form.locator('input[name=title]').fill('Remember me on this device');
    await pickTicket(form.getByRole('combobox', { name: 'Parent' }), 'sign in with', 'DEMO-1');
    await form.locator('textarea[name=description]').fill('Thirty days.');
    await form.locator('textarea[name=description]').press('Control+Enter');
    await form.waitFor({ state: 'detached' });
    const created = show(['ticket', 'show', 'DEMO-7']);
    expect(created).toMatchObject({ title: 'Remember me on this device', parent: { identifier: 'DEMO-1' } });
  });

  it('adds a dependency by searching for the other ticket in the drawer', async () => {
    await goto('board/DEMO-3');
    const drawer = ui.page.locator('[data-test=drawer]');
    await pickTicket(drawer.getByRole('combobox', { name: 'Other ticket' }), 'audit log', 'DEMO-5');
    await drawer.locator('.relations button', { hasText: 'Add' }).click();
    await drawer.locator('[data-test=rel-blockedBy]', { hasText: 'DEMO-5' }).waitFor();
    expect(show(['ticket', 'show', 'DEMO-3']).blockedBy.map((t: { identifier: string }) => t.identifier)).toEqual([
      'DEMO-5',
    ]);
  });

  it('keeps the board filters in the URL across a reload', async () => {
    await goto('board');
    await ui.page.locator('[data-test=card]').first().waitFor();
    await ui.page.fill('input[aria-label="Search tickets"]', 'sign-up');
    await ui.page.selectOption('select[aria-label="Label filter"]', 'frontend');
    await ui.page.waitForURL(/[?&]q=sign-up/);
    expect(new URL(ui.page.url()).searchParams.get('label')).toBe('frontend');
    const cards = () => ui.page.locator('[data-test=card]').evaluateAll((els) => els.map((e) => e.dataset.ticket));
    await expect.poll(cards).toEqual(['DEMO-2']);
    await ui.page.reload();
    await expect.poll(cards).toEqual(['DEMO-2']);
    expect(await ui.page.inputValue('input[aria-label="Search tickets"]')).toBe('sign-up');
    await ui.page.locator('[data-test=card][data-ticket=DEMO-2]').click();
    await ui.page.waitForURL(/\/board\/DEMO-2\?/);
    expect(new URL(ui.page.url()).searchParams.get('q')).toBe('sign-up');
  });

  it('keeps Save disabled while the harness has problems, and lists a refusal the check did not foresee', async () => {
    await goto(`workflows/${workflow}`);
    await ui.page.locator('[data-test=valid]').waitFor();
    const save = ui.page.locator('[data-test=save]');
    await ui.page.locator('.cm-line').nth(1).click();
    await ui.page.keyboard.press('End');
    await ui.page.keyboard.press('Enter');
    await ui.page.keyboard.type('colour: red');
    await ui.page.locator('[data-test=problem]').first().waitFor();
    expect(await save.isDisabled()).toBe(true);
    await ui.page.keyboard.press('Shift+Home');
    await ui.page.keyboard.press('Backspace');
    await ui.page.keyboard.press('Backspace');
    // Pick up from a new status QA instead of Todo: valid, so Save is enabled.
    cli(['status', 'create', 'QA', '--project', 'demo', '--stage', 'started']);
    const todo = (await ui.page.locator('.cm-line').allTextContents()).indexOf('  - Todo');
    expect(todo).toBeGreaterThan(0);
    await ui.page.locator('.cm-line').nth(todo).click();
    await ui.page.keyboard.press('End');
    for (let i = 0; i < 'Todo'.length; i++) await ui.page.keyboard.press('Backspace');
    await ui.page.keyboard.type('QA');
    await ui.page.locator('[data-test=valid]').waitFor();
    expect(await save.isDisabled()).toBe(false);
    // Meanwhile QA is deleted elsewhere: the save is refused, and the reasons are listed like the others.
    cli(['status', 'delete', 'QA', '--project', 'demo']);
    await save.click();
    await expect.poll(() => ui.page.locator('[data-test=save-error]').textContent()).toMatch(/^Not saved: /);
    const problems = await ui.page.locator('[data-test=problem]').allTextContents();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/QA/);
    expect(await save.isDisabled()).toBe(true);
  });

  it('enables Save only once the latest text is checked, not on the answer about an earlier one', async () => {
    // The page's clock is held so the check's 250 ms pause is ours to end; the checks' answers are held too.
    // A browser of its own, signed in with the same cookie: a clock belongs to its whole context.
    const browser = await launchBrowser();
    await browser.context.addCookies(await ui.context.cookies());
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    try {
      await page.clock.install();
      await page.goto(`${ui.cp.url}/p/demo/workflows/${workflow}`);
      await page.locator('[data-test=valid]').waitFor();
      await page.clock.pauseAt(Date.now() + 1000);
      const held: Route[] = [];
      await page.route('**/trpc/workflows.validate**', (route) => void held.push(route));
      const turns = (await page.locator('.cm-line').allTextContents()).indexOf('max_turns: 20');
      expect(turns).toBeGreaterThan(0);
      await page.locator('.cm-line').nth(turns).click();
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('1');
      await page.clock.runFor(300);
      await expect.poll(() => held.length).toBe(1);
      // "max_turns: 2x" is typed while the check of "max_turns: 21" (valid) is under way; that answer comes now.
      await page.keyboard.press('Backspace');
      await page.keyboard.type('x');
      const first = held[0]!;
      await first.continue();
      await first.request().response();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const save = page.locator('[data-test=save]');
      expect(await page.locator('[data-test=problems]').textContent()).toContain('Checking…');
      expect(await save.isDisabled()).toBe(true);
      await page.clock.runFor(300);
      await expect.poll(() => held.length).toBe(2);
      await held[1]!.continue();
      await page.locator('[data-test=problem]').first().waitFor();
      expect(await page.locator('[data-test=problem]').allTextContents()).toEqual([expect.stringMatching(/max_turns/)]);
      expect(await save.isDisabled()).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it('shows the join command without splitting a word, and how to install the agent', async () => {
    await ui.page.setViewportSize({ width: 390, height: 844 });
    await goto('machines');
    await ui.page.click('[data-test=add-machine]');
    await ui.page.locator('[data-test=join-form] input[name=name]').fill('build-box-with-a-long-name');
    await ui.page.locator('[data-test=join-form] button[type=submit]').click();
    const install = ui.page.locator('pre[data-test=install-command]');
    expect(await install.textContent()).toMatch(
      new RegExp(
        `^curl -fsSL ${ui.cp.url}/agent/install\\.sh \\| sh -s -- oaj_\\S+ --name build-box-with-a-long-name --slots 2$`,
      ),
    );
    expect(await ui.page.locator('.join-command').textContent()).toMatch(/Node\.js 20/);
    // Every word of both commands sits on one line box: the browser wrapped only at spaces.
    for (const pre of [install, ui.page.locator('pre[data-test=join-command]')]) {
      const split = await pre.evaluate((el) => {
        const broken: string[] = [];
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null)
          for (const m of node.data.matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (tops.size > 1) broken.push(m[0]);
          }
        return broken;
      });
      expect(split).toEqual([]);
    }
    await ui.page.setViewportSize({ width: 1440, height: 900 });
  });

  it('keeps what was typed while a save was out, over the version it saved', async () => {
    await goto(`workflows/${workflow}`);
    await ui.page.locator('[data-test=valid]').waitFor();
    const lines = ui.page.locator('.cm-line');
    const turns = (await lines.allTextContents()).findIndex((l) => l.startsWith('max_turns: '));
    await lines.nth(turns).click();
    await ui.page.keyboard.press('End');
    await ui.page.keyboard.type('1');
    await ui.page.locator('[data-test=valid]').waitFor();
    const held: Route[] = [];
    const reloads: Route[] = [];
    await ui.page.route('**/trpc/workflows.update**', (route) => void held.push(route));
    // The page's reload after the save is held too: until it answers, the saved version is what Discard goes back to.
    await ui.page.route('**/trpc/workflows.show**', (route) => void reloads.push(route));
    let saved: string | undefined;
    try {
      await ui.page.locator('[data-test=save]').click();
      await expect.poll(() => held.length).toBe(1);
      await lines.nth(turns).click();
      await ui.page.keyboard.press('End');
      await ui.page.keyboard.type('2');
      await held[0]!.continue();
      await ui.page.getByText(`Saved ${workflow} as a new version`).waitFor();
      await expect.poll(() => reloads.length).toBe(1);
      saved = (await lines.allTextContents())[turns];
      expect(saved).toMatch(/^max_turns: \d+12$/);
      expect(await ui.page.getByRole('button', { name: 'Discard changes' }).isDisabled()).toBe(false);
      await ui.page.getByRole('button', { name: 'Discard changes' }).click();
      expect((await lines.allTextContents())[turns]).toBe(saved!.slice(0, -1));
    } finally {
      for (const r of reloads.splice(0)) await r.continue();
      await ui.page.unroute('**/trpc/workflows.update**');
      await ui.page.unroute('**/trpc/workflows.show**');
    }
    // Once the reload has answered, the file is still the saved version.
    await ui.page.locator('[data-test=valid]').waitFor();
    expect((await lines.allTextContents())[turns]).toBe(saved!.slice(0, -1));
  });
});
