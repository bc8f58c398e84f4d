/**
 * A run that makes no progress, seen in Chromium: the stand-in agent (custom adapter, real `local` daemon, real
 * git) answers every turn without touching its ticket; after 3 such turns the run is stopped and the ticket
 * parked. The card and the drawer say so in words — no state name, no flag.
 */
import { describe, expect, it, vi } from 'vitest';
import { standInAgentArgs, useConsole } from './harness';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe('a run stopped for making no progress, in Chromium', () => {
  const ui = useConsole({ name: 'no-progress', landing: /\/projects$/ });
  const { cli, shot } = ui;

  it('shows "no progress" on the card and in the drawer, in words', async () => {
    cli(['project', 'create', 'Idle']);
    cli(['repo', 'add', ui.remote({ 'README.md': '# app\n' }).url, '--project', 'idle', '--name', 'app']);
    const script = { steps: [{ text: 'thinking about it' }] };
    cli(standInAgentArgs('idle', script));
    cli(['workflow', 'create', '--template', 'full-stack', '--project', 'idle', '--agent', 'stand-in']);
    cli(['ticket', 'create', '--project', 'idle', '--title', 'Never touched', '--status', 'Todo']);
    await ui.page.goto(`${ui.cp.url}/p/idle/board`);
    const badge = ui.page.locator('[data-test=card][data-ticket="IDLE-1"] [data-test=parked-badge]');
    await badge.waitFor({ timeout: 150_000 });
    expect(await badge.textContent()).toMatch(/^\s*Stopped: its agent made no progress: 3 turns in a row/);
    await shot('no-progress-01-card');
    await ui.page.locator('[data-test=card][data-ticket="IDLE-1"]').click();
    const parked = ui.page.locator('[data-test=drawer] [data-test=parked]');
    await parked.waitFor();
    expect(await parked.textContent()).toMatch(/^Stopped: its agent made no progress: 3 turns in a row/);
    const drawer = (await ui.page.locator('[data-test=drawer]').textContent()) ?? '';
    expect(drawer).not.toMatch(/--|parked_reason|no_progress/);
    await shot('no-progress-02-drawer');
  });
});
