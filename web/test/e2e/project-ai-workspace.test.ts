/**
 * The Project AI workspace in a real headless Chromium at 1440×900: a conversation with the REAL Claude Code CLI
 * (fake Anthropic server) writes a file and runs commands; the panel shows its files, the diff against the base
 * branch and the commands beside the chat, renders the reply's Markdown, keeps the compose box in view under a long
 * reply, comes back to the running conversation when reopened, and turns the work into a ticket and a pull request of
 * its branch (pushed by the daemon after the turn) on the fake GitHub (which serves the real remote).
 * `openase chat workspace` and `openase chat ticket` then say the same in the terminal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { addClaudeAgent, useClaudeConsole } from './harness';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import type { FakeGithub } from '@openase/test-kit/fake-github';
import { fakeGithubServing } from '@openase/test-kit/fake-github-serving';

const REPO = 'acme/notes';
let github: FakeGithub;
let remote: TestRemote;
let apiUrl = '';

/** A long Markdown reply: a heading, bold text and a list long enough to overflow the panel. */
const REPLY = [
  '## The plan',
  '',
  'Notes are **written** to `notes.md`:',
  '',
  ...Array.from({ length: 60 }, (_, i) => `- step ${i + 1}`),
].join('\n');

// Closed after the console stops (after-hooks run in reverse order).
afterAll(async () => {
  await github?.close();
  remote?.cleanup();
});
const ui = useClaudeConsole({
  name: 'project-ai-workspace',
  viewport: { width: 1440, height: 900 },
  landing: /\/(projects|p\/ws\/board)$/,
  env: async () => {
    remote = createTestRemote();
    const served = await fakeGithubServing(REPO, remote.dir, 'ghp_ws');
    ({ github, apiUrl } = served);
    return served.env;
  },
  setup: async ({ cli, models, claude }) => {
    cli(['project', 'create', 'Workspace', '--slug', 'ws', '--prefix', 'WS']);
    cli(['repo', 'add', `${apiUrl}/${REPO}.git`, '--project', 'ws', '--name', 'notes']);
    cli(['project', 'github', 'ws', '--token-env', 'GH'], { GH: 'ghp_ws' });
    models.setScript('ws', {
      steps: [
        { shell: 'printf "cache: redis\\n" > notes.md && git status --short' },
        { shell: 'echo ws-ran-7f3' },
        { text: REPLY },
      ],
    });
    await addClaudeAgent(cli, 'ws', claude, models.baseUrl('ws'));
  },
});
const cli = ui.cli;

describe('Project AI workspace in Chromium', () => {
  it('shows files, diff and commands beside the chat; Markdown; controls in view; reopen; ticket and PR', async () => {
    await ui.page.goto(`${ui.cp.url}/p/ws/board`);
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    const panel = ui.page.locator('aside.chat-panel');
    await panel.getByRole('textbox', { name: 'Message' }).fill('Write down the cache decision');
    await panel.getByRole('textbox', { name: 'Message' }).press('Enter');
    const reply = panel.locator('[data-testid=chat-reply]', { hasText: 'step 60' });
    await reply.waitFor({ timeout: 180_000 });
    // Markdown rendered, not shown raw.
    expect(await reply.locator('h2').textContent()).toBe('The plan');
    expect(await reply.locator('strong').textContent()).toBe('written');
    expect(await reply.locator('li').count()).toBe(60);
    expect(await reply.textContent()).not.toContain('**');
    // Under a long reply the compose box and its buttons stay on screen.
    const send = panel.getByRole('button', { name: 'Send' });
    const box = (await send.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    expect(await ui.page.evaluate(() => document.elementFromPoint(0, 0) !== null)).toBe(true);

    await panel.getByRole('button', { name: 'Workspace' }).click();
    const ws = panel.locator('[data-testid=chat-workspace]');
    await ws.locator('[data-testid=ws-files]', { hasText: 'notes.md' }).waitFor({ timeout: 60_000 });
    expect(await ws.locator('[data-testid=ws-diff-summary]').textContent()).toContain('against the base branch');
    await ws.locator('.diff-file', { hasText: 'cache: redis' }).first().waitFor();
    await ws.locator('[data-testid=ws-commands] li', { hasText: 'echo ws-ran-7f3' }).waitFor();
    expect(await ws.locator('[data-testid=ws-commands]').textContent()).toContain('done (exit 0)');
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    await ui.shot('24-project-ai-workspace');

    // Reopened (the ui.page reloaded): the running conversation, not the empty state.
    await ui.page.reload();
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    await panel.locator('[data-testid=chat-reply]', { hasText: 'step 60' }).waitFor({ timeout: 30_000 });
    expect(await panel.getByRole('tab', { name: /^Write down the cache/ }).getAttribute('aria-selected')).toBe('true');

    await ws.locator('[data-testid=ws-create-ticket]').click();
    await ws.locator('[data-testid=ws-notice]', { hasText: 'Created WS-1.' }).waitFor();
    await ui.page
      .locator('[data-test=card][data-ticket="WS-1"]', { hasText: 'Write down the cache decision' })
      .waitFor();

    // The daemon pushed the branch when the turn ended: the pull request needs no close.
    const openPr = ws.locator('[data-testid=ws-open-pr]');
    await openPr.click();
    await ws.locator('[data-testid=ws-notice]', { hasText: 'Pull request #1 is open.' }).waitFor({ timeout: 30_000 });
    const pr = github.pull(REPO, 1);
    expect(pr.head).toMatch(/^openase\/chat-[0-9a-f]{8}$/);
    expect(pr.title).toBe('WS-1: Write down the cache decision');
    await ws.locator('[data-testid=ws-ticket] a', { hasText: 'pull request #1' }).waitFor();

    // The same in the terminal.
    const [conversation] = JSON.parse(cli(['chat', 'list', '--project', 'ws', '--json'])) as Array<{ id: string }>;
    const shown = cli(['chat', 'workspace', conversation!.id.slice(0, 8)]);
    expect(shown).toContain('notes.md  +1 -0');
    expect(shown).toContain('$ echo ws-ran-7f3  completed (exit 0)');
    expect(shown).toContain('ticket WS-1: Write down the cache decision');
    expect(shown).toMatch(/pull request #1 \(open\) http/);
    expect(cli(['chat', 'ticket', conversation!.id.slice(0, 8)]).trim()).toBe(
      'already made: WS-1 Write down the cache decision',
    );
  });
});
