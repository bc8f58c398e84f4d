/**
 * Deleting from the console in a real Chromium: a ticket (refused in words while it has sub-tickets, then with
 * them), a repository, a machine and a project (only once its short name is typed). Each dialog says what
 * goes; a refusal is shown in the dialog. Screenshots go to test-artifacts/screenshots/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useConsole } from './harness';

describe('deleting from the console in Chromium', () => {
  const ui = useConsole({ name: 'deletes', landing: /\/projects$/ });
  const { cli: ok, shot } = ui;

  it('deletes a ticket: the refusal names its sub-ticket, then both go', async () => {
    ok(['project', 'create', 'Gone']);
    ok(['ticket', 'create', '--project', 'gone', '--title', 'Parent']);
    ok(['ticket', 'create', '--project', 'gone', '--title', 'Child', '--parent', 'GONE-1']);
    ok(['repo', 'add', 'file:///srv/git/app.git', '--project', 'gone']);
    await ui.page.goto(`${ui.cp.url}/p/gone/board/GONE-1`);
    await ui.page.locator('[data-test=drawer] [data-test=delete-ticket]').click();
    const dialog = ui.page.locator('[data-test=confirm-dialog]');
    await dialog.getByText('is deleted with its comments, runs and links').waitFor();
    await dialog.locator('[data-test=confirm]').click();
    await expect
      .poll(() => dialog.locator('[data-test=confirm-error]').textContent())
      .toMatch(/GONE-1 has sub-tickets \(GONE-2\); delete them first, or delete them together with it/);
    await shot('deletes-01-ticket-refused');
    await dialog.locator('[data-test=with-children]').check();
    await dialog.locator('[data-test=confirm]').click();
    await ui.page.locator('[data-test=drawer]').waitFor({ state: 'detached' });
    await ui.page.locator('[data-test=card][data-ticket="GONE-2"]').waitFor({ state: 'detached' });
    expect(await ui.page.locator('[data-test=card]').count()).toBe(0);
    expect(ui.cp.cli(['ticket', 'show', 'GONE-2']).err).toMatch(/does not exist/);
  });

  it('deletes a repository from the Repositories page', async () => {
    await ui.page.goto(`${ui.cp.url}/p/gone/repositories`);
    await ui.page.locator('[data-test=repository]', { hasText: 'file:///srv/git/app.git' }).waitFor();
    await ui.page.locator('[data-test=delete-repository]').click();
    await ui.page.locator('[data-test=confirm-dialog]').getByText('The repository itself').waitFor();
    await ui.page.locator('[data-test=confirm]').click();
    await ui.page.locator('[data-test=no-repositories]').waitFor();
    expect(JSON.parse(ok(['repo', 'list', '--project', 'gone', '--json']))).toEqual([]);
  });

  it('deletes a machine that is not connected; the server’s own has no delete button', async () => {
    const key = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-key-')), 'id');
    fs.writeFileSync(key, 'not a key\n', { mode: 0o600 });
    ok(['machine', 'add-ssh', 'far', '--host', '127.0.0.1', '--port', '9', '--user', 'x', '--key', key]);
    await ui.page.goto(`${ui.cp.url}/p/gone/machines`);
    const far = ui.page
      .locator('li', { hasText: 'far' })
      .filter({ has: ui.page.locator('[data-test=delete-machine]') });
    await far.waitFor();
    const local = ui.page.locator('li', { hasText: 'local' }).first();
    expect(await local.locator('[data-test=delete-machine]').count()).toBe(0);
    await far.locator('[data-test=delete-machine]').click();
    await ui.page.locator('[data-test=confirm-dialog]').getByText('leaves the fleet').waitFor();
    await ui.page.locator('[data-test=confirm]').click();
    await ui.page.locator('[data-test=confirm-dialog]').waitFor({ state: 'detached' });
    await expect.poll(() => ui.cp.cli(['machine', 'show', 'far']).err).toMatch(/does not exist/);
  });

  it('deletes a project only once its short name is typed', async () => {
    await ui.page.goto(`${ui.cp.url}/projects`);
    const card = ui.page.locator('.project-list li', { hasText: 'Gone' });
    await card.locator('[data-test=delete-project]').click();
    const dialog = ui.page.locator('[data-test=confirm-dialog]');
    await dialog.getByText('Everything in Gone is deleted for good').waitFor();
    expect(await dialog.locator('[data-test=confirm]').isDisabled()).toBe(true);
    await dialog.locator('[data-test=confirm-text]').fill('gon');
    expect(await dialog.locator('[data-test=confirm]').isDisabled()).toBe(true);
    await dialog.locator('[data-test=confirm-text]').fill('gone');
    await shot('deletes-02-project-typed');
    await dialog.locator('[data-test=confirm]').click();
    await card.waitFor({ state: 'detached' });
    expect(ui.cp.cli(['project', 'show', 'gone']).err).toMatch(/does not exist/);
  });
});
