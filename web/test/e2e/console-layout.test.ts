/**
 * What a new person's walkthrough in Chromium found, replayed: the top bar on one line at a laptop's 1280 px (and
 * below: what does not fit goes under "More" and the account menu, nothing overlaps), no page scrolling sideways
 * at a phone's 420 px (People with several members among them; Jobs and Workflows as cards, not a table scrolling
 * in its box), Project AI naming what an agent runs, in words, with the way to the Machines page when no machine can
 * run it, and priorities, token scopes and workflow templates in words, never their codes; the workflow editor's
 * reference naming each hook and run token scope as typed in the file, then in words.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HOOK_POINTS } from '@openase/shared';
// @ts-expect-error plain ESM helper without types
import { consolePages } from '../../../scripts/lib/demo-console.mjs';
import { useDemoConsole, type DemoProject } from './harness';

let demo: DemoProject;
const ui = useDemoConsole('layout', async ({ cp, cli }, seeded) => {
  demo = seeded;
  // People with long names and controls of their own (role, project role, sign-in link) widen the People table.
  for (const [role, name, email] of [
    ['viewer', 'Valentina Viewer-Vasquez', 'valentina.viewer-vasquez@example.com'],
    ['member', 'Maximilian Member-Montgomery', 'maximilian.member-montgomery@example.com'],
  ]) {
    const { path } = JSON.parse(cli(['member', 'invite', '--role', role!, '--email', email!, '--json'])) as {
      path: string;
    };
    const res = await fetch(`${cp.url}/auth/invitations/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: path.split('#')[1], name }),
    });
    expect(res.status, await res.text()).toBe(200);
  }
  // An agent no machine can run: Claude Code on machines labelled gpu (machine `local` is not).
  cli(['project', 'create', 'Gpu']);
  cli(['agent', 'create', 'claude', '--project', 'gpu', '--adapter', 'claude-code', '--label', 'gpu']);
  cli(['workflow', 'create', '--template', 'full-stack', '--project', 'gpu', '--agent', 'claude']);
  cli(['ticket', 'create', '--project', 'gpu', '--title', 'Needs a GPU', '--status', 'Todo']);
  // A token that may run code on machines, listed on the API tokens page.
  cli(['token', 'create', 'deploy', '--scopes', 'read,runs.exec,workflows.hooks']);
});

/** The top bar's visible parts (the menu's content sits in the bar itself on a wide window). */
function barParts(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.topbar > *, .topbar-rest > *')].flatMap((el) => {
      const r = el.getBoundingClientRect();
      if (!r.width || getComputedStyle(el).display === 'contents') return [];
      return [{ part: `${el.tagName.toLowerCase()}.${el.className}`, left: r.left, right: r.right, top: r.top }];
    }),
  );
}

/** The tables of the page that scroll sideways in their own box, by their data-test, with how far. */
const tablesScrolling = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('main .table-wrap')].flatMap((box) => {
        const by = box.scrollWidth - box.clientWidth;
        return by > 0 ? [[box.querySelector('table')?.dataset.test ?? 'table', by]] : [];
      }),
    ),
  );

/** The visible text of each option of a select. */
const optionWords = (page: Page, select: string) => page.locator(`${select} option`).allTextContents();

/** How far the page, or the content under the top bar, scrolls sideways (0: not at all). */
const sideways = (page: Page) =>
  page.evaluate(() => {
    const content = document.querySelector('main.content')!;
    return Math.max(document.documentElement.scrollWidth - innerWidth, content.scrollWidth - content.clientWidth);
  });

describe('the console fits laptops and phones, in words (Chromium)', () => {
  it('keeps the top bar on one line at 1280 px and narrower, the rest under More and the account menu', async () => {
    const { page } = ui;
    try {
      for (const width of [1280, 1024, 800]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(`${ui.cp.url}/p/demo/board`);
        await page.locator('[data-test=card]').first().waitFor();
        expect((await page.locator('header.topbar').boundingBox())!.height, `at ${width}`).toBeLessThanOrEqual(60);
        const parts = (await barParts(page)).sort((a, b) => a.left - b.left);
        for (const [i, p] of parts.entries()) {
          expect(Math.abs(p.top - parts[0]!.top), `${p.part} on the first line at ${width}`).toBeLessThan(14);
          expect(p.right, `${p.part} inside the window at ${width}`).toBeLessThanOrEqual(width);
          if (i)
            expect(p.left, `${p.part} overlaps ${parts[i - 1]!.part} at ${width}`).toBeGreaterThanOrEqual(
              parts[i - 1]!.right - 0.5,
            );
        }
      }
      // What did not fit is one click away: the last project page under More, People under the account.
      await ui.page.setViewportSize({ width: 1280, height: 800 });
      await page.locator('[data-test=nav-more]').click();
      await page.locator('[data-test=nav-more-panel]').getByRole('link', { name: 'Jobs' }).click();
      await page.waitForURL(/\/p\/demo\/jobs$/);
      expect(await page.locator('[data-test=nav-more-panel]').isVisible()).toBe(false);
      await page.locator('[data-test=account-menu-toggle]').click();
      await page.locator('[data-test=account-menu] [data-test=nav-people]').click();
      await page.waitForURL(/\/people$/);
      await ui.shot('layout-01-top-bar-1280');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('scrolls no page sideways at 420 px, People with its members included', async () => {
    const { page } = ui;
    await page.setViewportSize({ width: 420, height: 800 });
    try {
      const wide: Record<string, number> = {};
      for (const target of consolePages(demo) as Array<{ name: string; path: string; ready: string }>) {
        await page.goto(`${ui.cp.url}${target.path}`);
        await page.locator(target.ready).first().waitFor();
        const by = await sideways(page);
        if (by > 0) wide[target.name] = by;
      }
      expect(wide).toEqual({});
      await page.goto(`${ui.cp.url}/people`);
      await page.locator('[data-test=member]', { hasText: 'Maximilian' }).waitFor();
      expect(await page.locator('[data-test=member]').count()).toBe(3);
      await ui.shot('layout-02-people-420');
      // Jobs and Workflows fit: each row a card whose lines name their column, not a table scrolling in its box.
      for (const [path, table] of [
        [`/p/${demo.project}/jobs`, 'job-table'],
        [`/p/${demo.project}/workflows`, 'workflow-list'],
      ] as const) {
        await page.goto(`${ui.cp.url}${path}`);
        await page.locator(`[data-test=${table}] tbody tr`).first().waitFor();
        expect(await tablesScrolling(page), path).toEqual({});
        expect(await page.locator(`[data-test=${table}] thead`).isVisible(), path).toBe(false);
      }
      // Each line of a card leads with its column's name.
      const agent = page.locator('[data-test=workflow-list] td[data-label=Agent]').first();
      expect(await agent.innerText()).toBe('coder (Custom command)');
      expect(await agent.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"Agent: "');
      await ui.shot('layout-04-workflows-420');
      // No empty drop-down: a skill bound to every workflow there is offers nothing to bind.
      await page.goto(`${ui.cp.url}/p/demo/skills`);
      await page.locator('[data-test=skill][data-skill=review-code] select').waitFor();
      expect(await page.locator('[data-test=skill][data-skill=commit] select').count()).toBe(0);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('says priorities, token scopes and workflow templates in words, never their codes', async () => {
    const { page } = ui;
    const priorities = ['Urgent', 'High', 'Medium', 'Low', 'No priority'];
    await page.goto(`${ui.cp.url}/p/demo/board`);
    await page.locator('[data-test=card]').first().waitFor();
    expect(await optionWords(page, 'select[aria-label="Priority filter"]')).toEqual(['All priorities', ...priorities]);
    expect(await page.locator('[data-ticket=DEMO-3] .priority').innerText()).toMatch(/^urgent$/i);
    expect(await page.locator('[data-ticket=DEMO-3] .priority').getAttribute('title')).toBe('Urgent priority');
    await page.keyboard.press('c');
    const form = page.locator('[data-test=new-ticket-form]');
    expect(await optionWords(page, '[data-test=new-ticket-form] select[name=priority]')).toEqual(priorities);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.goto(`${ui.cp.url}/p/demo/board/DEMO-1`);
    const drawerPriority = page.locator('[data-test=ticket-fields] label', { hasText: 'Priority' }).locator('select');
    await drawerPriority.waitFor();
    expect(await drawerPriority.locator('option').allTextContents()).toEqual(priorities);
    expect(await drawerPriority.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]!.text)).toBe('High');
    await page.goto(`${ui.cp.url}/p/demo/jobs`);
    await page.locator('[data-test=job-new]').click();
    expect(await optionWords(page, '[data-test=job-form] select[name=priority]')).toEqual(priorities);

    // API tokens: what each token may do, in words; the scope's name only on hover.
    await page.goto(`${ui.cp.url}/tokens`);
    const deploy = page.locator('[data-test=tokens] tr', { hasText: 'deploy' });
    await deploy.waitFor();
    const scopes = deploy.locator('[data-test=token-scopes] li');
    expect(await scopes.allTextContents()).toEqual([
      'read what your role can see',
      'run commands on machines, set what an agent runs',
      'change what workflows run (hooks, MCP servers)',
    ]);
    expect(await deploy.innerText()).not.toMatch(/runs\.exec|workflows\.hooks/);
    expect(await scopes.nth(1).getAttribute('title')).toBe('scope runs.exec');

    // Workflows: a template by what it sets up.
    await page.goto(`${ui.cp.url}/p/demo/workflows`);
    await expect
      .poll(() => optionWords(page, '[data-test=workflow-create] select[name=template]'))
      .toEqual(['Full stack: one agent, Todo to In Review', 'Relay: a workflow per stage, Design to In Review']);
  });

  it("lists the harness reference's hooks and scopes as the name typed, then what it means", async () => {
    const { page } = ui;
    await page.goto(`${ui.cp.url}/p/demo/workflows/${demo.workflow}`);
    await page.locator('.cm-content').waitFor();
    await page.getByRole('button', { name: 'Reference' }).click();
    const entries = (list: string) =>
      page.locator(`[data-test=${list}]`).evaluate((dl) =>
        [...dl.querySelectorAll('dt')].map((dt) => ({
          name: dt.querySelector('code')?.textContent?.trim(),
          words: (dt.nextElementSibling as HTMLElement).innerText.trim(),
        })),
      );
    const hooks = await entries('reference-hooks');
    expect(hooks.map((h) => h.name)).toEqual([...HOOK_POINTS]);
    expect(hooks[1]!.words).toBe('before each turn of the agent');
    for (const h of hooks) expect(h.words).not.toMatch(/_/);
    const scopes = await entries('reference-scopes');
    const move = scopes.find((sc) => sc.name === 'tickets.move')!;
    expect(move.words).toMatch(/^move its own ticket, only to one of the workflow's finish statuses/);
    // What is typed stays code; the scopes given by default say so.
    expect(move.words).toContain('(given when the workflow lists no scopes:)');
    expect(
      await page.locator('[data-test=reference-scopes] dd code', { hasText: 'tickets.move:<Status>' }).count(),
    ).toBe(1);
    expect(scopes.find((sc) => sc.name === 'tickets.create')!.words).toBe('create tickets anywhere in the project');
    expect(scopes.length).toBeGreaterThan(10);
    await ui.shot('layout-04-workflow-reference');
  });

  it('names the product an agent runs and links to Machines when no machine can run it', async () => {
    const { page } = ui;
    await page.goto(`${ui.cp.url}/p/gpu/agents`);
    expect(await page.locator('[data-test=agent-adapter]').textContent()).toBe('Claude Code');
    // The ticket waiting for such a machine says it in the same words.
    await page.goto(`${ui.cp.url}/p/gpu/board/GPU-1`);
    const reason = page.locator('[data-test=why-answer] [data-reason=no_machine]');
    expect(await reason.textContent()).toMatch(/no connected machine has Claude Code and labels gpu/);
    await reason.getByRole('link', { name: 'Machines' }).waitFor();
    // Project AI: the refusal in words, no CLI name, adapter code or terminal command.
    await page.goto(`${ui.cp.url}/p/gpu/board`);
    await page.getByRole('button', { name: 'Project AI' }).click();
    const panel = page.locator('aside.chat-panel');
    await panel.getByRole('textbox', { name: 'Message' }).fill('Set up the training job');
    await panel.getByRole('button', { name: 'Send' }).click();
    const hint = panel.locator('[data-test=chat-no-machine]');
    await hint.waitFor();
    const words = (await hint.textContent())!;
    expect(words).toMatch(/its agent claude runs Claude Code, and no connected machine labelled gpu has it/);
    expect(words).not.toMatch(/claude CLI|claude-code|openase|join-token|`/);
    await ui.shot('layout-03-project-ai-no-machine');
    await hint.getByRole('link', { name: 'Machines' }).click();
    await page.waitForURL(/\/p\/gpu\/machines$/);
    await panel.getByTitle('Close the panel').click();
  });
});
