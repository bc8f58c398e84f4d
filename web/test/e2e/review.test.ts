/**
 * Issue 18's acceptance in Chromium, with a plain bare git remote: a ticket goes Todo → In Review
 * (the stand-in agent, real git, the full-stack template with its Merging step); the reviewer
 * reads the diff in the drawer, comments on a line and requests changes; the agent's next run
 * gets the comment in its prompt and pushes a fix; the reviewer approves; the ticket passes
 * Merging and lands on Done with the change on the remote's main.
 */
import { describe, expect, it, vi } from 'vitest';
import type { TestRemote } from '@openase/test-kit/git-remote';
import { eventually, standInAgentArgs, useConsole } from './harness';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

const wrapper = '"$OPENASE_WORKSPACE/.openase/bin/openase"';
/** Writes the greeting; after a review whose line comment says so, greets the world instead. */
const SCRIPT = {
  steps: [
    {
      when: { input: 'greet\\.js:2 at `[^`]*`\\n\\s+[^\\n]*: Greet the whole world' },
      then: [{ write: { path: 'greet.js', content: "// Greetings.\nmodule.exports = 'hello world';\n" } }],
      else: [{ write: { path: 'greet.js', content: "// Greetings.\nmodule.exports = 'hi';\n" } }],
    },
    { run: `${wrapper} move "In Review"` },
    { text: 'done' },
  ],
};

let remote: TestRemote;
const ui = useConsole({
  name: 'review',
  viewport: { width: 1400, height: 900 },
  landing: /\/p\/demo\/board|\/projects/,
  setup(session) {
    remote = session.remote({
      'README.md': '# app\n',
      'package.json': JSON.stringify({ name: 'app', private: true, scripts: { test: 'node -e 0' } }),
    });
    session.cli(['project', 'create', 'Demo']);
    session.cli(['repo', 'add', remote.url, '--project', 'demo', '--name', 'app']);
    session.cli(standInAgentArgs('demo', SCRIPT));
    session.cli(['workflow', 'create', '--template', 'full-stack', '--project', 'demo', '--agent', 'stand-in']);
  },
});
const { cli, shot } = ui;
const statusOf = (id: string) => JSON.parse(cli(['ticket', 'show', id, '--json'])).status.name as string;

describe('review, request changes on a line, approve and merge, in Chromium', () => {
  it('goes Todo → In Review → changes requested on a line → fixed → approved → Merging → Done', async () => {
    cli(['ticket', 'create', '--project', 'demo', '--title', 'Greet', '--status', 'Todo']);
    await eventually(() => (statusOf('DEMO-1') === 'In Review' ? true : undefined), 'DEMO-1 in In Review', 90_000);
    await ui.page.goto(`${ui.cp.url}/p/demo/board/DEMO-1`);
    const drawer = ui.page.locator('[data-test=drawer]');
    const panel = drawer.locator('[data-test=review-panel]');
    await panel.locator('[data-test=review-round]', { hasText: 'Review round 1' }).waitFor();
    // The diff, read from the worktree on machine local, highlighted.
    const file = drawer.locator('[data-test=diff-file][data-file="greet.js"]');
    await file.waitFor();
    expect(await drawer.locator('[data-test=diff-summary]').textContent()).toMatch(
      /1 file changed, 2 insertions\(\+\), 0 deletions\(-\) · from the worktree on local/,
    );
    expect(await file.locator('.hljs-comment').first().textContent()).toBe('// Greetings.');
    await file.locator('tr.diff-add').nth(1).locator('td.diff-ln').nth(1).click();
    await file.locator('[data-test=line-comment-form] textarea').fill('Greet the whole world');
    await file.locator('[data-test=line-comment-form] button.primary').click();
    await file.locator('[data-test=line-comment]', { hasText: 'Greet the whole world' }).waitFor();
    // Split view shows the same file side by side.
    await drawer.getByRole('button', { name: 'Split' }).click();
    await file.locator('table.diff-split').waitFor();
    await shot('30-review-diff-line-comment');

    await panel.locator('[data-test=request-changes]').click();
    await panel.locator('[data-test=request-changes-form] textarea').fill('Almost: see the line comment.');
    expect(await panel.locator('[data-test=request-changes-form]').textContent()).toContain(
      '1 line comment from this round will go with it',
    );
    await panel.locator('[data-test=request-changes-form] button.primary').click();
    await panel.locator('[data-test=review-verdict]', { hasText: 'Changes requested' }).waitFor();
    await panel.locator('[data-test=review-round]', { hasText: 'Review round 2' }).waitFor();
    // The agent's next run reads the comment and pushes the fix; the ticket is back for review.
    await panel.locator('[data-test=approve]').waitFor({ timeout: 90_000 });
    await eventually(
      () => (remote.show('openase/DEMO-1-greet', 'greet.js').includes('hello world') ? true : undefined),
      'the fix on the branch',
    );
    await drawer.getByRole('button', { name: 'Unified' }).click();
    await file.locator('tr.diff-add', { hasText: "'hello world'" }).waitFor();
    await shot('31-review-round-2');
    // What one run changed, the run named by its number (not the ticket's attempt count, which each round restarts).
    const pick = drawer.locator('[data-test=diff-run]');
    expect(await pick.locator('option').allTextContents()).toContain('What run 1 changed');
    await pick.selectOption({ label: 'What run 1 changed' });
    await expect.poll(() => drawer.locator('[data-test=diff-summary]').textContent()).toMatch(/what run 1 changed/);
    await file.locator('tr.diff-add', { hasText: "'hi'" }).waitFor();
    await pick.selectOption({ label: 'Whole branch' });

    await panel.locator('[data-test=approve]').click();
    await eventually(() => (statusOf('DEMO-1') === 'Done' ? true : undefined), 'DEMO-1 on Done', 60_000);
    expect(remote.show('main', 'greet.js')).toBe("// Greetings.\nmodule.exports = 'hello world';\n");
    expect(remote.files('openase/DEMO-1-greet')).toBeNull();
    const shown = JSON.parse(cli(['ticket', 'show', 'DEMO-1', '--json']));
    expect(shown.activity.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['ticket.changes_requested', 'ticket.approved', 'ticket.merged']),
    );
    await ui.page.goto(`${ui.cp.url}/p/demo/board`);
    await ui.page
      .locator('[data-test=card][data-ticket="DEMO-1"] [data-test=badge-review]', { hasText: 'approved' })
      .waitFor();
    await shot('32-review-merged-board');
  });
});
