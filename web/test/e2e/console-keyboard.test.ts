/**
 * Keyboard-first work on the board (issue 20), in Chromium on the seeded demo project and checked against the
 * API: j/k/h/l between cards, Enter and Esc, the `?` sheet and the Ctrl+K palette (pages, tickets, new ticket,
 * moving the focused ticket); several tickets picked (checkbox, shift-click, x) and moved, reprioritized or
 * deleted in one action with an Undo; saved views kept on the server with the filters still in the URL.
 */
import { describe, expect, it } from 'vitest';
import { useDemoConsole } from './harness';

const ui = useDemoConsole('keyboard');
const goto = (where: string) => ui.page.goto(`${ui.cp.url}/p/demo/${where}`);
/** The identifier of the card (or list row) that has the keyboard focus. */
const focused = () => ui.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.ticket ?? null);
/** Calls the API as the signed-in page does (session cookie, CSRF header): quicker than a CLI process per check. */
async function call(kind: 'query' | 'mutation', procedure: string, input: unknown) {
  const url = `${ui.cp.url}/trpc/${procedure}`;
  const csrf = (await ui.context.cookies()).find((c) => c.name === 'openase_csrf')?.value ?? '';
  const res =
    kind === 'query'
      ? await ui.page.request.get(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await ui.page.request.post(url, { data: input, headers: { 'x-csrf-token': csrf } });
  const body = await res.json();
  if (!res.ok()) throw new Error(`${procedure}: ${JSON.stringify(body)}`);
  return body.result.data;
}
/** Each ticket's status and priority, by identifier, as the server has them. */
const board = async (): Promise<Record<string, { status: string; priority: string }>> =>
  Object.fromEntries(
    (await call('query', 'tickets.list', { project: 'demo', limit: 500 })).items.map(
      (t: { identifier: string; statusName: string; priority: string }) => [
        t.identifier,
        { status: t.statusName, priority: t.priority },
      ],
    ),
  );
const field = async (key: 'status' | 'priority', tickets: string[]) => {
  const now = await board();
  return tickets.map((t) => now[t]?.[key]);
};
const pick = (t: string, modifiers: Array<'Shift'> = []) =>
  ui.page.locator(`[data-test=card][data-ticket=${t}] [data-test=pick]`).click({ modifiers });

describe('keyboard, bulk actions and saved views in Chromium', () => {
  it('moves between cards with j/k/h/l, opens with Enter and comes back with Esc', async () => {
    await goto('board');
    await ui.page.locator('[data-test=card]').first().waitFor();
    const columns = await ui.page
      .locator('[data-test=column]')
      .evaluateAll((cols) =>
        cols.map((c) => [...c.querySelectorAll<HTMLElement>('[data-test=card]')].map((e) => e.dataset.ticket!)),
      );
    const filled = columns.filter((c) => c.length);
    expect(filled[0]!.length).toBeGreaterThan(1);
    await ui.page.keyboard.press('j');
    expect(await focused()).toBe(filled[0]![0]);
    await ui.page.keyboard.press('j');
    expect(await focused()).toBe(filled[0]![1]);
    await ui.page.keyboard.press('k');
    expect(await focused()).toBe(filled[0]![0]);
    await ui.page.keyboard.press('l');
    expect(await focused()).toBe(filled[1]![0]);
    await ui.page.keyboard.press('ArrowRight');
    expect(await focused()).toBe(filled[2]![0]);
    await ui.page.keyboard.press('ArrowLeft');
    const card = filled[1]![0]!;
    expect(await focused()).toBe(card);
    await ui.page.keyboard.press('Enter');
    await ui.page.waitForURL(new RegExp(`/board/${card}$`));
    await ui.page.locator('[data-test=drawer] h2').waitFor();
    await ui.page.keyboard.press('Escape');
    await ui.page.waitForURL(/\/board$/);
    await expect.poll(focused).toBe(card);
  });

  it('edits the focused ticket with e and moves it with m, without the mouse', async () => {
    const shown = async () => {
      const t = await call('query', 'tickets.show', { ticket: 'DEMO-5' });
      return { title: t.title, status: t.status.name };
    };
    await goto('board');
    await ui.page.locator('[data-test=card][data-ticket=DEMO-5]').focus();
    await ui.page.keyboard.press('e');
    await ui.page.waitForURL(/\/board\/DEMO-5$/);
    const title = ui.page.locator('[data-test=drawer] input[aria-label=Title]');
    await expect.poll(() => title.evaluate((e) => e === document.activeElement)).toBe(true);
    await ui.page.keyboard.type('Export the audit log as CSV');
    await ui.page.keyboard.press('Enter');
    await expect.poll(shown).toEqual({ title: 'Export the audit log as CSV', status: 'In Review' });
    await ui.page.keyboard.press('Escape');
    await ui.page.waitForURL(/\/board$/);

    await ui.page.locator('[data-test=card][data-ticket=DEMO-5]').focus();
    await ui.page.keyboard.press('m');
    expect(await ui.page.locator('[data-test=bulk-count]').textContent()).toBe('1 ticket picked');
    const move = ui.page.locator('[data-test=bulk-move]');
    await expect.poll(() => move.evaluate((e) => e === document.activeElement)).toBe(true);
    await move.selectOption('In Progress');
    await expect.poll(shown).toEqual({ title: 'Export the audit log as CSV', status: 'In Progress' });
    await ui.page.click('[data-test=bulk-clear]');
    await ui.page.locator('[data-test=bulk-bar]').waitFor({ state: 'detached' });
  });

  it('shows the shortcuts on ? and reaches pages, tickets and actions from Ctrl+K', async () => {
    await goto('board');
    await ui.page.locator('[data-test=card]').first().waitFor();
    await ui.page.keyboard.press('?');
    const sheet = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(await sheet.textContent()).toMatch(/Command palette.*Next or previous ticket/);
    await ui.page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });

    // Open a ticket by part of its title.
    await ui.page.keyboard.press('Control+k');
    const box = ui.page.getByRole('combobox', { name: /a ticket's key or title/ });
    await box.fill('rate limit');
    await expect.poll(() => ui.page.locator('[data-test=palette-count]').textContent()).toMatch(/^\s*1 result\s*$/);
    expect(await box.getAttribute('aria-activedescendant')).toBe('palette-option-0');
    await box.press('Enter');
    await ui.page.waitForURL(/\/board\/DEMO-3$/);

    // Move the open ticket to a status.
    await ui.page.keyboard.press('Control+k');
    await box.fill('move done');
    await expect
      .poll(() => ui.page.locator('[data-test=palette] [role=option]').allTextContents())
      .toEqual([expect.stringMatching(/Move DEMO-3 to Done/)]);
    await box.press('Enter');
    await expect.poll(() => field('status', ['DEMO-3'])).toEqual(['Done']);

    // A page, then New ticket from another page (arrow keys pick the option).
    await ui.page.keyboard.press('Control+k');
    await box.fill('machines');
    await box.press('Enter');
    await ui.page.waitForURL(/\/p\/demo\/machines$/);
    await ui.page.keyboard.press('Control+k');
    await box.fill('ticket new');
    await box.press('ArrowDown');
    await box.press('ArrowUp');
    await box.press('Enter');
    await ui.page.locator('[data-test=new-ticket-form]').waitFor();
    await ui.page.keyboard.press('Escape');
  });

  it('picks tickets by checkbox, shift-click and x, and moves, reprioritizes or deletes them at once', async () => {
    const made: string[] = [];
    for (const title of ['Bulk one', 'Bulk two', 'Bulk three'])
      made.push((await call('mutation', 'tickets.create', { project: 'demo', title })).identifier);
    await goto('board');
    await ui.page.locator(`[data-ticket=${made[0]}]`).waitFor();
    // Backlog, newest first: the three made, in reverse.
    await pick(made[2]!);
    await pick(made[0]!, ['Shift']);
    const count = ui.page.locator('[data-test=bulk-count]');
    expect(await count.textContent()).toBe('3 tickets picked');
    await ui.page.locator('[data-test=card][data-ticket=DEMO-6]').focus();
    await ui.page.keyboard.press('x');
    expect(await count.textContent()).toBe('4 tickets picked');
    await ui.page.keyboard.press('x');
    expect(await count.textContent()).toBe('3 tickets picked');

    await ui.page.selectOption('[data-test=bulk-priority]', 'high');
    const notice = ui.page.locator('[data-test=notice]', { hasText: 'Set 3 tickets to high' });
    await notice.waitFor();
    expect(await field('priority', made)).toEqual(['high', 'high', 'high']);
    await notice.locator('[data-test=notice-action]').click();
    await expect.poll(() => field('priority', made)).toEqual(['none', 'none', 'none']);

    await ui.page.selectOption('[data-test=bulk-move]', 'Done');
    await ui.page.locator('[data-test=notice]', { hasText: 'Moved 3 tickets to Done' }).waitFor();
    expect(await field('status', made)).toEqual(['Done', 'Done', 'Done']);
    await ui.page
      .locator('[data-test=notice]', { hasText: 'Moved 3 tickets' })
      .locator('[data-test=notice-action]')
      .click();
    await expect.poll(() => field('status', made)).toEqual(['Backlog', 'Backlog', 'Backlog']);

    // All or none: DEMO-1 has a sub-ticket that was not picked, so nothing is deleted.
    await ui.page.keyboard.press('Escape');
    await ui.page.locator('[data-test=bulk-bar]').waitFor({ state: 'detached' });
    await pick('DEMO-1');
    await pick(made[0]!);
    await ui.page.click('[data-test=bulk-delete]');
    const dialog = ui.page.getByRole('dialog', { name: 'Delete 2 tickets?' });
    expect(await dialog.locator('[data-test=bulk-delete-words]').textContent()).toMatch(
      new RegExp(`DEMO-1 “Sign in with email”, ${made[0]} “Bulk one” will be deleted .* This cannot be undone\\.`),
    );
    await dialog.locator('[data-test=confirm]').click();
    expect(await dialog.locator('[data-test=confirm-error]').textContent()).toMatch(
      /DEMO-1 has sub-tickets that were not picked \(DEMO-4\)/,
    );
    expect(await field('status', made)).toEqual(['Backlog', 'Backlog', 'Backlog']);
    await dialog.getByRole('button', { name: 'Keep it' }).click();

    await ui.page.click('[data-test=bulk-clear]');
    await pick(made[0]!);
    await pick(made[2]!, ['Shift']);
    await ui.page.click('[data-test=bulk-delete]');
    await ui.page.getByRole('dialog', { name: 'Delete 3 tickets?' }).locator('[data-test=confirm]').click();
    await ui.page.locator('[data-test=notice]', { hasText: /^Deleted 3 tickets/ }).waitFor();
    expect(await field('status', made)).toEqual([undefined, undefined, undefined]);
    expect(await ui.page.locator(`[data-ticket=${made[1]}]`).count()).toBe(0);
  });

  it('saves the filters as a named view on the server, opens it into the URL and deletes it', async () => {
    await goto('board');
    await ui.page.locator('[data-test=card]').first().waitFor();
    await ui.page.selectOption('select[aria-label="Priority filter"]', 'medium');
    await ui.page.waitForURL(/[?&]priority=medium/);
    await ui.page.click('[data-test=saved-views-toggle]');
    await ui.page.fill('[data-test=save-view] input[name=view-name]', 'Medium work');
    await ui.page.click('[data-test=save-view] button[type=submit]');
    await ui.page.locator('[data-view="Medium work"]').waitFor();

    // Kept on the server: a fresh board with no filters lists it, and opening it puts its filters in the URL.
    await goto('board?view=list');
    await ui.page.locator('main table').waitFor();
    await ui.page.click('[data-test=saved-views-toggle]');
    await ui.page.click('[data-view="Medium work"] a');
    await ui.page.waitForURL(/[?&]priority=medium/);
    expect(new URL(ui.page.url()).searchParams.get('view')).toBeNull();
    const cards = () =>
      ui.page.locator('[data-test=card]').evaluateAll((els) => els.map((e) => e.dataset.ticket).sort());
    await expect.poll(cards).toEqual(['DEMO-2', 'DEMO-5']);
    expect(await ui.page.locator('[data-test=saved-views-toggle]').textContent()).toMatch(/Views: Medium work/);

    await ui.page.click('[data-test=saved-views-toggle]');
    await ui.page.getByRole('button', { name: 'Delete the view Medium work' }).click();
    await ui.page.locator('[data-view="Medium work"]').waitFor({ state: 'detached' });
    await ui.page.reload();
    await ui.page.click('[data-test=saved-views-toggle]');
    await ui.page.getByText('No saved views yet').waitFor();
  });
});
