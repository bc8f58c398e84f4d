/**
 * The console held to "state at a glance, nothing raw, nothing lost on a blip" (issue 20), in a
 * real headless Chromium against a real control plane: one test per point — board and drawer
 * state, words instead of internals, one Markdown renderer, a server restart with the drawer open,
 * and the phone layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { standInAgentArgs, useConsole } from './harness';

/** The stand-in agent's behaviour, chosen by the ticket title in its prompt. */
const SCRIPT = {
  steps: [
    {
      when: { input: 'Hold the line' },
      then: [{ text: 'working on it' }, { usage: { input: 1000, output: 500, cached: 0 } }, { hang: true }],
      else: [
        {
          when: { input: 'Always fails' },
          then: [{ usage: { input: 100, output: 20, cached: 0 } }, { result: { ok: false, text: 'cannot build' } }],
          else: [{ text: 'done' }],
        },
      ],
    },
  ],
};
const ui = useConsole({
  name: 'state',
  viewport: { width: 1440, height: 900 },
  actionTimeout: 10_000,
  landing: (u) => !u.pathname.startsWith('/auth'),
  setup({ cli, remote }) {
    cli(['project', 'create', 'Acme']);
    cli(['repo', 'add', remote({ 'README.md': '# app\n' }).url, '--project', 'acme', '--name', 'app']);
    cli(standInAgentArgs('acme', SCRIPT));
    cli(['workflow', 'create', '--template', 'full-stack', '--project', 'acme', '--agent', 'stand-in']);
  },
});
const { cli, shot } = ui;
function createTicket(title: string, extra: string[] = []): string {
  const out = JSON.parse(cli(['ticket', 'create', '--project', 'acme', '--title', title, ...extra, '--json'])) as {
    identifier: string;
  };
  return out.identifier;
}

describe('Console state, wording, Markdown, blips and phones in Chromium', () => {
  it('renders Markdown with task lists as checkboxes and styled blockquotes and tables', async () => {
    const description = [
      '- [ ] write the migration',
      '- [x] agree on the schema',
      '',
      '> quoted from the customer',
      '',
      '| field | type |',
      '| --- | --- |',
      '| budget | number |',
    ].join('\n');
    const file = path.join(ui.cp.home, 'description.md');
    fs.writeFileSync(file, description);
    const key = createTicket('Markdown everywhere', ['--description-file', file]);
    await ui.page.goto(`${ui.cp.url}/p/acme/board/${key}`);
    const body = ui.page.locator('.drawer .markdown').first();
    await body.locator('blockquote').waitFor();
    const boxes = body.locator('input[type=checkbox]');
    expect(await boxes.count()).toBe(2);
    expect(await boxes.nth(0).isChecked()).toBe(false);
    expect(await boxes.nth(1).isChecked()).toBe(true);
    expect(await body.textContent()).not.toContain('[ ]');
    const quoteBorder = await body.locator('blockquote').evaluate((el) => getComputedStyle(el).borderLeftWidth);
    expect(quoteBorder).toBe('3px');
    const cellBorder = await body
      .locator('td')
      .first()
      .evaluate((el) => getComputedStyle(el).borderTopWidth);
    expect(cellBorder).toBe('1px');
    await shot('state-markdown');
  });

  it('keeps the open drawer through a server restart, says it is reconnecting, and resumes', async () => {
    const key = createTicket('Hold the line', ['--status', 'Todo']);
    await ui.page.goto(`${ui.cp.url}/p/acme/board/${key}`);
    const drawer = ui.page.locator('[data-test=drawer]');
    await drawer.locator('[data-test=transcript-live]').waitFor({ timeout: 60_000 });
    await drawer.getByText('working on it').waitFor();
    await ui.cp.halt();
    const banner = ui.page.locator('[data-test=connection-banner]');
    await banner.getByText(/reconnecting/i).waitFor();
    // The transcript's stream broke and the drawer tried to reload: what it showed stays.
    await ui.page.waitForTimeout(2000);
    await shot('state-server-down');
    expect(await drawer.getByText('Hold the line').first().isVisible()).toBe(true);
    expect(await drawer.getByText('working on it').isVisible()).toBe(true);
    expect(await drawer.textContent()).not.toMatch(/cannot reach the server|Try again/);
    await ui.cp.startAgain();
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    cli(['ticket', 'update', key, '--title', 'Hold the line, updated']);
    await drawer.getByText('Hold the line, updated').first().waitFor();
    // Out of the pickup status: its run is stopped and it is not picked up again.
    cli(['ticket', 'move', key, 'Backlog']);
  }, 150_000);

  it('marks blocked, failed and parent tickets on their cards and says why a ticket has no runs', async () => {
    const blocker = createTicket('Blocker first');
    // Linked before it reaches the pickup status, so it is never dispatched.
    const blocked = createTicket('Blocked one', ['--blocked-by', blocker]);
    cli(['ticket', 'move', blocked, 'Todo']);
    createTicket('Child of the blocker', ['--parent', blocker]);
    const failing = createTicket('Always fails', ['--status', 'Todo']);
    await ui.page.goto(`${ui.cp.url}/p/acme/board`);
    const card = (key: string) => ui.page.locator(`[data-test=card][data-ticket=${key}]`);
    expect(await card(blocked).locator('[data-test=marker-blocked]').textContent()).toBe('Blocked by 1');
    expect(await card(blocker).locator('[data-test=marker-children]').textContent()).toBe('1 sub-ticket');
    await card(failing)
      .locator('[data-test=marker-failed], [data-test=parked-badge]')
      .first()
      .waitFor({ timeout: 90_000 });
    expect(await card(failing).textContent()).toMatch(/Last run failed|Stopped[: ]/);
    await shot('state-card-markers');
    await card(blocked).click();
    const drawer = ui.page.locator('[data-test=drawer]');
    const why = drawer.locator('[data-test=why-answer]');
    await why.getByText(`it is blocked by ${blocker}`, { exact: false }).first().waitFor();
    expect(await drawer.textContent()).not.toContain('A ticket is picked up when');
    const heading = await why.locator('strong').textContent();
    expect(heading).toBe(`${blocked} is not picked up:`);
    const reasons = await why.locator('li').allTextContents();
    expect(new Set(reasons).size).toBe(reasons.length);
  }, 150_000);

  it('says states, reasons, running work and activity in words, never raw codes or ids', async () => {
    const key = createTicket('Hold the line again', ['--status', 'Todo']);
    await ui.page.goto(`${ui.cp.url}/p/acme/board/${key}`);
    const drawer = ui.page.locator('[data-test=drawer]');
    await drawer.locator('[data-test=run][data-run-state=running]').waitFor({ timeout: 60_000 });
    await drawer.locator('[data-test=run]').first().locator('.run-reason').waitFor();
    // The side panel gives the ticket's totals over all runs, the transcript this run's: each says
    // which, and with one run they are the same figure (the stand-in reported 1,000 in, 500 out).
    await expect.poll(() => drawer.locator('[data-test=run-tokens]').textContent()).toMatch(/^This run: 1,500 tokens/);
    await expect.poll(() => drawer.locator('[data-test=ticket-tokens]').textContent(), { timeout: 5000 }).toBe('1,500');
    expect(await drawer.locator('dt', { hasText: 'Tokens' }).textContent()).toBe('Tokens, all runs');
    const runs = await drawer.locator('[data-test=run]').allTextContents();
    for (const text of runs) expect(text).not.toMatch(/events arrived|exit code unknown|daemon_restarted|_/);
    // Transcript rows are tagged in words ("turn", "tokens"), never with an event's wire name.
    const tags = await drawer.locator('[data-test=transcript] .tx-role').allTextContents();
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) expect(tag).not.toMatch(/[._]/);
    expect(await drawer.locator('[data-test=run-totals]').textContent()).toMatch(/^\s*\d+ runs? · all runs:/);
    // The previous ticket's runs: one ended by the server restart, one by a move.
    await ui.page.goto(`${ui.cp.url}/p/acme/board/ACME-2`);
    await drawer.locator('[data-test=run]').first().waitFor();
    for (const run of await drawer.locator('[data-test=run] .run-pick').all()) {
      await run.click();
      const text = await drawer.locator('[data-test=run].selected').textContent();
      expect(text).not.toMatch(/events arrived|exit code unknown|daemon_restarted|_/);
    }
    await ui.page.goto(`${ui.cp.url}/p/acme/machines`);
    const local = ui.page.locator('[data-test=machine][data-machine=local]');
    const working = local.locator('[data-test=running-ticket]', { hasText: key });
    await working.waitFor();
    expect(await working.textContent()).toBe(`${key} Hold the line again`);
    expect(await local.locator('[data-test=running-runs]').textContent()).not.toMatch(/\b[0-9a-f]{8}\b/);
    await shot('state-machines-running');
    cli(['ticket', 'move', key, 'Backlog']);
    cli(['ticket', 'update', key, '--budget', '5']);
    await ui.page.goto(`${ui.cp.url}/p/acme/activity`);
    await ui.page.locator('[data-test=activity-list]').getByText(`updated ${key}: budget`, { exact: true }).waitFor();
    expect(await ui.page.locator('[data-test=activity-list]').textContent()).not.toMatch(/budgetUsd|ticket\.updated/);
    const who = await ui.page.getByLabel('Who').locator('option').allTextContents();
    expect(who.filter((a) => /run [0-9a-f]{8}/.test(a))).toEqual([]);
    const kinds = await ui.page.getByLabel('Kind').locator('option').allTextContents();
    expect(kinds.filter((k) => /[_.]/.test(k))).toEqual([]);
  }, 150_000);

  it('says a missing project in words, without a CLI command or a useless "Try again"', async () => {
    await ui.page.goto(`${ui.cp.url}/p/nope/board`);
    const error = ui.page.locator('.error-state');
    await error.getByText('project "nope" does not exist').waitFor();
    expect(await error.textContent()).not.toMatch(/openase|`/);
    expect(await error.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await error.getByRole('link', { name: 'Go to your projects' }).click();
    await ui.page.waitForURL(/\/projects$/);
  });

  it('says a project without an agent has nobody for Project AI to talk through, and no terminal command', async () => {
    cli(['project', 'create', 'Lonely']);
    await ui.page.goto(`${ui.cp.url}/p/lonely/board`);
    expect(await ui.page.locator('.welcome').textContent()).not.toMatch(/openase|--/);
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    const panel = ui.page.locator('aside.chat-panel');
    await panel.locator('[data-test=chat-no-agent]').getByRole('link', { name: 'Add an agent' }).waitFor();
    expect(await panel.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    await panel.getByTitle('Close the panel').click(); // the panel stays open across pages otherwise
  });

  it('says a retried ticket is queued at once, and never numbers two of its runs alike', async () => {
    // Both slots of machine `local` taken, so the retried ticket cannot start yet.
    const holders = [
      createTicket('Hold the line, first', ['--status', 'Todo']),
      createTicket('Hold the line, second', ['--status', 'Todo']),
    ];
    const drawer = ui.page.locator('[data-test=drawer]');
    for (const key of holders) {
      await ui.page.goto(`${ui.cp.url}/p/acme/board/${key}`);
      await drawer.locator('[data-test=run][data-run-state=running]').waitFor({ timeout: 60_000 });
    }
    await ui.page.goto(`${ui.cp.url}/p/acme/board`);
    const failing = (await ui.page
      .locator('[data-test=card]', { hasText: 'Always fails' })
      .getAttribute('data-ticket'))!;
    await ui.page.goto(`${ui.cp.url}/p/acme/board/${failing}`);
    await drawer.locator('[data-test=retry]').click({ timeout: 90_000 });
    await drawer.locator('[data-test=retry-queued]').waitFor({ timeout: 1000 });
    expect(await drawer.locator('[data-test=retry]').count()).toBe(0);
    await shot('state-retry-queued');
    const before = await drawer.locator('[data-test=run]').count();
    for (const key of holders) cli(['ticket', 'move', key, 'Backlog']);
    await expect.poll(() => drawer.locator('[data-test=run]').count(), { timeout: 60_000 }).toBeGreaterThan(before);
    await drawer.locator('[data-test=retry-queued]').waitFor({ state: 'hidden' });
    const runs = await drawer.locator('[data-test=run] .run-pick').allTextContents();
    const numbers = runs.map((t) => /run (\d+)/.exec(t)?.[1]);
    expect(numbers.length).toBeGreaterThan(1);
    expect(new Set(numbers).size).toBe(numbers.length);
  }, 180_000);

  it('fits the top bar on a phone and reaches every page from the menu', async () => {
    await ui.page.goto(`${ui.cp.url}/p/acme/board`);
    const bar = ui.page.locator('header.topbar');
    await bar.waitFor();
    expect(await ui.page.locator('[data-test=live]:visible').count()).toBe(1);
    expect(await ui.page.locator('[data-test=menu-toggle]').isVisible()).toBe(false);
    await ui.page.setViewportSize({ width: 390, height: 844 });
    try {
      expect(await ui.page.locator('[data-test=live]:visible').count()).toBe(1);
      const box = (await bar.boundingBox())!;
      expect(box.height).toBeLessThanOrEqual(64);
      const toggle = ui.page.locator('[data-test=menu-toggle]');
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      const menu = ui.page.locator('[data-test=topbar-menu]');
      for (const name of ['Board', 'Activity', 'Statuses', 'Workflows', 'Agents', 'Skills', 'Machines', 'Jobs']) {
        const link = menu.getByRole('link', { name, exact: true });
        const b = (await link.boundingBox())!;
        expect(b, name).not.toBeNull();
        expect(b.x, name).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width, name).toBeLessThanOrEqual(390);
        expect(b.y + b.height, name).toBeLessThanOrEqual(844);
      }
      await menu.getByRole('button', { name: 'Sign out' }).waitFor();
      await shot('state-phone-menu');
      await menu.getByRole('link', { name: 'Machines', exact: true }).click();
      await ui.page.waitForURL(/\/p\/acme\/machines$/);
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await menu.isVisible()).toBe(false);
    } finally {
      await ui.page.setViewportSize({ width: 1440, height: 900 });
    }
  });
});
