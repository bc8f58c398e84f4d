/**
 * The project and the fleet over time, themes and the shell's layout (issue 20), in Chromium on the seeded demo
 * project (scripts/lib/demo-console.mjs) with the real local machine: the overview's charts and their empty states
 * in words, the timeline (status segments, milestones, runs, zoom in the URL), the fleet's history from the
 * heartbeats' minute rollups, light/dark/system themes remembered across a reload with axe-core clean in dark, and
 * the Project AI panel laid out under the header without measuring it.
 */
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './axe';
import { useDemoConsole } from './harness';

const ui = useDemoConsole('insights', () => {
  // DEMO-3 goes through review to done today; DEMO-6 was created in Done (never moved: not counted as done today).
  cli(['ticket', 'move', 'DEMO-3', 'In Review']);
  cli(['ticket', 'move', 'DEMO-3', 'Done']);
});
const goto = (where: string) => ui.page.goto(`${ui.cp.url}/p/demo/${where}`);
const cli = ui.cli;

describe('insights, fleet history, themes and layout in Chromium', () => {
  it('charts throughput, cycle time, runs and cost, and says in words what is empty', async () => {
    await goto('overview');
    const chart = (title: string) => ui.page.locator(`figure[data-chart="${title}"]`);
    await chart('Tickets done per day').locator('svg[role=img]').waitFor();
    expect(await chart('Tickets done per day').locator('.chart-summary').textContent()).toBe(
      '1 ticket done in the last 14 days.',
    );
    // One bar: today's, with its figure for screen readers in the table.
    expect(await chart('Tickets done per day').locator('rect').count()).toBe(1);
    const today = new Date().toISOString().slice(5, 10);
    expect(await chart('Tickets done per day').locator('tbody tr', { hasText: today }).textContent()).toContain('1');
    await chart('Cycle time (created → done)').locator('svg[role=img]').waitFor();
    // Nothing spent: said in words, no empty frame.
    expect(await chart('Cost per day').locator('[data-test=chart-empty]').textContent()).toBe(
      'Agents spent nothing in the last 14 days.',
    );
    expect(await chart('Cost per day').locator('svg').count()).toBe(0);
    expect(await chart('Cost per agent').locator('[data-test=chart-empty]').textContent()).toBe(
      'No agent spent anything in the last 14 days.',
    );
    // DEMO-3 went Backlog → In Review → Done: a stay in each, the one in Done still going.
    const stays = chart('Time in status');
    await stays.locator('svg[role=img]').waitFor();
    expect(await stays.locator('rect').count()).toBe(2);
    expect(await stays.locator('.chart-summary').textContent()).toMatch(
      /^Average stay once a ticket enters a status; the longest is (In Review|Done) \(\d+ min\)\.$/,
    );
    expect(await stays.locator('tbody').textContent()).toMatch(/In Review.*Done/s);
  });

  it('shows each ticket over time with statuses, milestones and runs, zoomed by day or week', async () => {
    await goto('timeline');
    const row = ui.page.locator('.timeline-row[data-ticket=DEMO-3]');
    await row.waitFor();
    expect(await row.locator('[data-test=segment]').evaluateAll((els) => els.map((e) => e.dataset.kind))).toEqual([
      'before',
      'review',
      'done',
    ]);
    expect(await row.locator('[data-mark]').evaluateAll((els) => els.map((e) => e.dataset.mark))).toEqual([
      'created',
      'In Review',
      'done',
    ]);
    // DEMO-1 sits in the workflow's pickup status: the local machine picks it up, and its run is a bar.
    await expect
      .poll(
        async () => {
          await goto('timeline');
          await ui.page.locator('.timeline-row[data-ticket=DEMO-1]').waitFor();
          return ui.page.locator('.timeline-row[data-ticket=DEMO-1] [data-test=run-bar]').count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    expect(await ui.page.locator('.timeline-axis span').count()).toBe(7);
    await ui.page.locator('[data-test=zoom-week]').click();
    await ui.page.waitForURL(/zoom=week/);
    await expect.poll(() => ui.page.locator('.timeline-axis span').count(), { timeout: 15_000 }).toBe(8);
    await ui.page.reload();
    await expect.poll(() => ui.page.locator('.timeline-axis span').count(), { timeout: 15_000 }).toBe(8);
    expect(await ui.page.locator('[data-test=zoom-week]').getAttribute('aria-pressed')).toBe('true');
  });

  it("keeps the fleet's history by the minute and draws it per machine", async () => {
    await goto('machines');
    const local = ui.page.locator('[data-history=local]');
    await local.waitFor();
    expect(await local.locator('[data-test=online-share]').textContent()).toMatch(
      /online in [1-9]\d* of 73 5-minute spans of the last 6 hours/,
    );
    await ui.page.getByRole('button', { name: 'Last hour' }).click();
    await expect
      .poll(() => local.locator('[data-test=online-share]').textContent())
      .toMatch(/online in [1-9]\d* of 6[01] minutes of the last hour/);
    await local.locator('figure[data-chart=Load] svg[role=img]').waitFor();
  });

  it('switches between light, dark and the system theme, remembers it, and stays AA in dark', async () => {
    await goto('overview');
    const theme = () => ui.page.evaluate(() => document.documentElement.dataset.theme);
    const bg = () => ui.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await ui.page.emulateMedia({ colorScheme: 'light' });
    expect(await theme()).toBe('light');
    const lightBg = await bg();
    await ui.page.locator('[data-test=account-menu-toggle]').click(); // the theme is in the account menu
    await ui.page.locator('[data-test=theme]').selectOption('dark');
    expect(await theme()).toBe('dark');
    expect(await bg()).not.toBe(lightBg);
    await ui.page.reload();
    await ui.page.locator('figure[data-chart]').first().waitFor();
    expect(await theme()).toBe('dark');
    for (const where of ['overview', 'timeline', 'machines', 'board']) {
      await goto(where);
      await ui.page.locator('main h1, [data-test=card]').first().waitFor();
      await ui.page.waitForTimeout(200);
      expect(await seriousViolations(ui.page), `${where} in dark`).toEqual([]);
    }
    await ui.page.locator('[data-test=account-menu-toggle]').click(); // the theme is in the account menu
    await ui.page.locator('[data-test=theme]').selectOption('system');
    await ui.page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    await ui.page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
    await ui.page.reload();
    await ui.page.locator('[data-test=card]').first().waitFor();
    expect(await theme()).toBe('light');
  });

  it('lays the Project AI panel out under the header, to the bottom of the window, at any header height', async () => {
    await goto('board');
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    const panel = ui.page.locator('aside.chat-panel');
    await panel.waitFor();
    for (const width of [1440, 820]) {
      await ui.page.setViewportSize({ width, height: 800 });
      await expect
        .poll(async () => {
          const head = (await ui.page.locator('.shell-head').boundingBox())!;
          const box = (await panel.boundingBox())!;
          return [Math.round(box.y - head.height), Math.round(box.y + box.height)];
        })
        .toEqual([0, 800]);
    }
    await ui.page.setViewportSize({ width: 1440, height: 900 });
  });
});
