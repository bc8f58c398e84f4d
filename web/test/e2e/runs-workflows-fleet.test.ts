/**
 * The console's definition and operations pages in Chromium, against a freshly started control
 * plane with its real `local` machine: an agent and a workflow made in the browser, a ticket
 * dragged to Todo whose run (the stand-in agent through the `custom` adapter, real git) streams
 * into the open drawer and lands in In Review; the harness editor flagging a front-matter error on
 * its line; and a real daemon joining with the command the Machines page shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { STAND_IN_AGENT as STAND_IN } from '@openase/test-kit/stand-in';
import { eventually, launchBrowser, repoRoot, screenshotDir, startControlPlane, type ControlPlane } from './harness';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const AGENT_BUNDLE = path.join(repoRoot, 'agent-daemon', 'dist', 'openase-agent.cjs');
const wrapper = '"$OPENASE_WORKSPACE/.openase/bin/openase"';

let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;
let remote: TestRemote;
let scratch: string;
const daemons: ChildProcess[] = [];

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
const cli = (args: string[]) => {
  const r = cp.cli(args);
  expect(r.code, r.err).toBe(0);
  return r.out;
};
const goto = (where: string) => page.goto(`${cp.url}/p/demo/${where}`);

describe('runs, workflows, agents and machines in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-e2e-runs-'));
    remote = createTestRemote({
      'README.md': '# app\n',
      'package.json': JSON.stringify({ name: 'app', private: true, scripts: { test: 'node check.js' } }),
      'check.js':
        "if (!require('fs').existsSync('login.js')) { console.error('login.js is missing'); process.exit(1); }\nconsole.log('1 test passed');\n",
    });
    cp = await startControlPlane();
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('dialog', (d) => void d.accept());
    cli(['project', 'create', 'Demo']);
    cli(['repo', 'add', remote.url, '--project', 'demo', '--name', 'app']);
    await page.goto(cp.signInUrl);
    await page.waitForURL(/\/p\/demo\/board|\/projects/);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      for (const [i, p] of context.pages().entries())
        await shot(p, `failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}-${i}`).catch(() => {});
  });
  afterAll(async () => {
    for (const d of daemons) if (d.exitCode === null) d.kill('SIGTERM');
    await browser?.close();
    await cp?.stop();
    remote?.cleanup();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the local machine with its slots, CLIs and heartbeat, and fleet totals', async () => {
    await goto('machines');
    const local = page.locator('[data-test=machine][data-machine=local]');
    await expect
      .poll(() => local.locator('[data-test=machine-status]').textContent(), { timeout: 30_000 })
      .toBe('online');
    expect(await local.locator('[data-test=slots]').textContent()).toMatch(/^0 \/ \d+ slots$/);
    expect(await page.locator('[data-test=fleet-totals]').textContent()).toMatch(/1 of 1 online/);
  });

  it('creates an agent with a write-only secret', async () => {
    // A new project's board lists what it still needs before agents pick up tickets: here the repository is there.
    await goto('board');
    const setup = page.locator('[data-test=setup-steps]');
    await setup.waitFor();
    expect(
      await setup.locator('li[data-done=true]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))),
    ).toEqual(['repository']);
    await setup.getByRole('link', { name: 'Add an agent' }).click();
    await page.waitForURL(/\/p\/demo\/agents$/);
    await goto('agents');
    await page.getByText('No agents yet').waitFor();
    await page.click('[data-test=new-agent]');
    const form = page.locator('[data-test=agent-form]');
    await form.locator('input[name=name]').fill('stand-in');
    await form.locator('select[name=adapter]').selectOption('custom');
    // What a custom command must do is said where it is typed (the prompt on stdin, JSON events out, no commits).
    expect(await form.locator('[data-test=custom-command-help]').textContent()).toMatch(
      /reads the turn's prompt on\s+standard input.*one JSON event per line.*It does not commit/s,
    );
    await form.locator('input[name=command]').fill(process.execPath);
    await form.locator('textarea[name=args]').fill(STAND_IN);
    const script = {
      sessionId: 'web-e2e',
      turns: [
        {
          steps: [
            { text: 'Working on the **login**' },
            { write: { path: 'login.js', content: 'module.exports = { ok: true };\n' } },
            { waitForFile: path.join(scratch, 'go') },
            { run: `${wrapper} move "In Review"` },
            { usage: { input: 900, output: 100, cached: 0 } },
            { event: { type: 'cost', usd: 0.03, source: 'cli' } },
            { text: 'done' },
          ],
        },
      ],
    };
    await form.locator('textarea[name=env]').fill(`STAND_IN_SCRIPT_JSON=${JSON.stringify(script)}`);
    await form.getByText('Add a secret').click();
    await form.locator('input[name=secret-name-0]').fill('VENDOR_KEY');
    await form.locator('input[name=secret-value-0]').fill('sekrit-value-123');
    await form.locator('button[type=submit]').click();
    const agent = page.locator('[data-test=agent][data-agent=stand-in]');
    await agent.waitFor();
    expect(await agent.textContent()).toMatch(/VENDOR_KEY\s*set/);
    expect(await page.content()).not.toContain('sekrit-value-123');
    // Editing shows the secret as set, never its value.
    await agent.getByText('Edit').click();
    expect(await page.locator('[data-test=agent-form] [data-test=secret]').textContent()).toMatch(/VENDOR_KEY\s*set/);
    expect(await page.content()).not.toContain('sekrit-value-123');
    await shot(page, '20-agents');
    await page.locator('[data-test=agent-form]').getByText('Cancel').click();
  });

  it('creates workflows from a template and lists their statuses and agent', async () => {
    await goto('workflows');
    await page.getByText('No workflows yet').waitFor();
    await page.locator('[data-test=workflow-create] select[name=template]').selectOption('full-stack');
    await page.locator('[data-test=workflow-create] select[name=agent]').selectOption('stand-in');
    await page.locator('[data-test=workflow-create] button').click();
    const row = page.locator('[data-test=workflow-list] tr[data-workflow]').first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Todo.*In Review.*stand-in \(Custom command\)/s);
    await shot(page, '21-workflows');
    // A second active workflow picking up Todo gets none of its tickets (the first by name does): both say so.
    const made = cp.cli(['workflow', 'create', 'zz-dev', '--project', 'demo', '--pickup', 'Todo', '--finish', 'Done']);
    expect(made.err).toMatch(
      /full-stack-developer and zz-dev both pick up Todo; its tickets go to full-stack-developer/,
    );
    await goto('workflows');
    await expect
      .poll(() => page.locator('[data-test=shared-pickup]').textContent())
      .toMatch(/full-stack-developer and zz-dev both pick up tickets in Todo: they go to full-stack-developer/);
    cli(['workflow', 'delete', 'zz-dev', '--project', 'demo']);
    await goto('workflows');
    await page.locator('[data-test=workflow-list] tr[data-workflow]').first().waitFor();
    expect(await page.locator('[data-test=shared-pickup]').count()).toBe(0);
    // Repository, agent and a workflow naming it: the board no longer lists setup steps.
    await goto('board');
    await page.locator('[data-test=setup-done]').waitFor({ state: 'attached' });
    expect(await page.locator('[data-test=setup-steps]').count()).toBe(0);
  });

  it('flags a front-matter error on its line while typing, saves a fix as a new version and diffs it', async () => {
    await goto('workflows');
    const name = (await page
      .locator('[data-test=workflow-list] tr[data-workflow]')
      .first()
      .getAttribute('data-workflow'))!;
    await page.locator(`[data-test=workflow-list] tr[data-workflow="${name}"] a`).click();
    await page.waitForURL(new RegExp(`/workflows/${name}$`));
    await page.locator('.cm-content').waitFor();
    await page.locator('[data-test=valid]').waitFor();
    // Line 2 is the first front-matter field; a new line after it becomes line 3.
    const editLine = async (index: number) => {
      await page.locator('.cm-line').nth(index).click();
      await page.keyboard.press('End');
    };
    await editLine(1);
    await page.keyboard.press('Enter');
    await page.keyboard.type('colour: red');
    const problem = page.locator('[data-test=problem]');
    await problem.first().waitFor();
    expect(await problem.first().getAttribute('data-line')).toBe('3');
    expect(await problem.first().textContent()).toMatch(/colour/);
    await page.locator('.cm-line').nth(2).locator('.cm-lintRange-error').waitFor();
    await shot(page, '22-workflow-error');
    // A file with problems cannot be saved (a refusal the check did not foresee: console-controls.test.ts).
    expect(await page.locator('[data-test=save]').isDisabled()).toBe(true);
    // Remove the bad line, change max_turns (wherever the template puts it) and save.
    await editLine(2);
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.locator('[data-test=valid]').waitFor();
    const maxTurnsLine = (await page.locator('.cm-line').allTextContents()).indexOf('max_turns: 20');
    expect(maxTurnsLine).toBeGreaterThan(0);
    await editLine(maxTurnsLine);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('7');
    await page.locator('[data-test=valid]').waitFor();
    await page.click('[data-test=save]');
    await page.getByText(`Saved ${name} as a new version`).waitFor();
    const diff = page.locator('[data-test=diff]');
    await diff.waitFor();
    expect(await diff.locator('.diff-removed').allTextContents()).toEqual([expect.stringContaining('max_turns: 20')]);
    expect(await diff.locator('.diff-added').allTextContents()).toEqual([expect.stringContaining('max_turns: 7')]);
    await shot(page, '23-workflow-history');
  });

  it('streams a run into the drawer live after a drag to Todo, and the ticket lands in In Review', async () => {
    const created = JSON.parse(cli(['ticket', 'create', '--project', 'demo', '--title', 'Add login', '--json']));
    await goto('board');
    const card = page.locator(`[data-test=card][data-ticket="${created.identifier}"]`);
    await card.dragTo(page.locator('[data-test=column][data-status="Todo"]'));
    await card.click();
    const drawer = page.locator('[data-test=drawer]');
    // The agent says its first words, then waits for our file: the transcript is live meanwhile.
    await drawer.locator('[data-test=transcript-live]').waitFor({ timeout: 60_000 });
    await drawer
      .locator('[data-test=transcript]')
      .getByText('Working on the')
      .waitFor({ timeout: 60_000 })
      .catch((err: Error) => {
        const runs = cp.cli(['run', 'list', '--json']).out;
        const id = JSON.parse(runs).items[0]?.id;
        throw new Error(
          `${err.message}\nruns: ${runs}\nevents: ${id ? cp.cli(['run', 'events', id, '--json']).out.slice(-4000) : ''}`,
        );
      });
    await expect
      .poll(() => drawer.locator('[data-test=run]').first().getAttribute('data-run-state'), { timeout: 10_000 })
      .toBe('running');
    await expect
      .poll(() => card.locator('[data-test=running-badge]').textContent(), { timeout: 10_000 })
      .toMatch(/on local/);
    await drawer.locator('[data-test=why]').click();
    await expect
      .poll(() => drawer.locator('[data-test=why-answer]').textContent(), { timeout: 10_000 })
      .toMatch(/already has a run in progress \(running\)/);
    await shot(page, '24-run-live');
    fs.writeFileSync(path.join(scratch, 'go'), '');
    await page
      .locator(`[data-test=column][data-status="In Review"] [data-test=card][data-ticket="${created.identifier}"]`)
      .waitFor({ timeout: 60_000 });
    await expect
      .poll(() => drawer.locator('[data-test=run]').first().getAttribute('data-run-state'), { timeout: 30_000 })
      .toBe('succeeded');
    const transcript = drawer.locator('[data-test=transcript]');
    // A shell command shows on the row of the tool call that ran it, with its exit code (not as a second row).
    await transcript.locator('[data-kind=tool] [data-test=exit-code]').first().waitFor();
    expect(await transcript.textContent()).toMatch(/login\.js/);
    expect(await transcript.textContent()).toMatch(/cost \$0\.0300/);
    expect(await drawer.locator('[data-test=run-totals]').textContent()).toMatch(/900 tokens in, 100 out · \$0\.03/);
    // The run's outcome in the ticket's history, among its moves, the run named by its number.
    await expect
      .poll(() => drawer.locator('[data-test=ticket-history] li[data-kind=run]').first().textContent())
      .toMatch(/run 1\s*on local:\s+succeeded/);
    expect(await drawer.locator('[data-test=run] .run-pick').first().textContent()).toMatch(/run 1 on local/);
    await shot(page, '25-run-finished');
  });

  it('opens a long transcript at its end and reads the earlier events on demand', async () => {
    // 1,200 messages, the file the repository's test wants, and the move: more than the first page (the newest
    // 1,000 events).
    const steps = [
      ...Array.from({ length: 1200 }, (_, i) => ({ text: `step ${i + 1}` })),
      { write: { path: 'login.js', content: 'module.exports = { ok: true };\n' } },
      { run: `${wrapper} move "In Review"` },
    ];
    cli([
      'agent',
      'update',
      'stand-in',
      '--project',
      'demo',
      '--env',
      `STAND_IN_SCRIPT_JSON=${JSON.stringify({ steps })}`,
    ]);
    const created = JSON.parse(cli(['ticket', 'create', '--project', 'demo', '--title', 'Say a lot', '--json']));
    cli(['ticket', 'move', created.identifier, 'Todo']);
    await goto(`board/${created.identifier}`);
    const drawer = page.locator('[data-test=drawer]');
    await expect
      .poll(() => drawer.locator('[data-test=run]').first().getAttribute('data-run-state'), { timeout: 60_000 })
      .toBe('succeeded');
    await page.reload();
    const transcript = drawer.locator('[data-test=transcript]');
    const said = (n: number) => transcript.getByText(`step ${n}`, { exact: true });
    await said(1200).waitFor();
    expect(await said(1).count()).toBe(0);
    // The run's own record, not the sum of the events shown.
    expect(await drawer.locator('[data-test=run-tokens]').textContent()).toMatch(/This run: 0 tokens/);
    await drawer.locator('[data-test=transcript-earlier]').click();
    await said(1).waitFor();
    await drawer.locator('[data-test=transcript-earlier]').waitFor({ state: 'detached' });
    expect(await transcript.locator('[data-kind=message]', { hasText: /^\s*assistant\s*step \d+\s*$/ }).count()).toBe(
      1200,
    );
  });

  it('adds a machine with the join command shown (a real daemon joins) and revokes it', async () => {
    await goto('machines');
    await page.click('[data-test=add-machine]');
    const form = page.locator('[data-test=join-form]');
    await form.locator('input[name=name]').fill('box-1');
    await form.locator('input[name=slots]').fill('3');
    await form.locator('button[type=submit]').click();
    const command = (await page.locator('pre[data-test=join-command]').textContent())!.trim();
    expect(command).toMatch(
      new RegExp(
        `^openase-agent join ${cp.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} oaj_\\S+ --name box-1 --slots 3 --run$`,
      ),
    );
    await shot(page, '26-add-machine');
    const home = path.join(scratch, 'box-1');
    const args = command.split(' ').slice(1);
    const daemon = spawn(process.execPath, [AGENT_BUNDLE, ...args, '--home', home], { stdio: 'pipe' });
    daemons.push(daemon);
    let output = '';
    daemon.stdout!.on('data', (c) => (output += c));
    daemon.stderr!.on('data', (c) => (output += c));
    await page.keyboard.press('Escape');
    const box = page.locator('[data-test=machine][data-machine=box-1]');
    await eventually(
      async () =>
        (await box
          .locator('[data-test=machine-status]')
          .textContent()
          .catch(() => null)) === 'online'
          ? true
          : undefined,
      `box-1 online (daemon: ${output})`,
      30_000,
    );
    expect(await box.locator('[data-test=slots]').textContent()).toBe('0 / 3 slots');
    expect(await page.locator('[data-test=fleet-totals]').textContent()).toMatch(/2 of 2 online/);
    await shot(page, '27-machines');
    await box.locator('[data-test=revoke]').click();
    await expect
      .poll(() => box.locator('[data-test=machine-status]').textContent(), { timeout: 15_000 })
      .toBe('revoked');
    await eventually(() => (daemon.exitCode !== null ? true : undefined), 'the revoked daemon to stop', 15_000);
  });

  it('imports a skill folder, binds it to a workflow and disables it', async () => {
    await goto('skills');
    const dir = path.join(scratch, 'release-notes');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'SKILL.md'),
      '---\nname: release-notes\ndescription: Write release notes\n---\nWrite them.\n',
    );
    await page.locator('[data-test=skill-upload]').setInputFiles(dir);
    const skill = page.locator('[data-test=skill][data-skill=release-notes]');
    await skill.waitFor();
    await skill.locator('select').selectOption({ index: 0 });
    await skill.getByRole('button', { name: 'Bind' }).click();
    await expect.poll(() => skill.textContent(), { timeout: 10_000 }).not.toMatch(/no workflow/);
    // The platform's own skill is bound to every workflow: it says so, with nothing to bind.
    const platform = page.locator('[data-test=skill][data-skill=openase-platform]');
    expect(await platform.locator('[data-test=every-workflow]').textContent()).toBe('every workflow (built in)');
    expect(await platform.getByRole('button', { name: 'Bind' }).count()).toBe(0);
    await skill.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => skill.textContent(), { timeout: 10_000 }).toMatch(/disabled/);
    await shot(page, '28-skills');
  });

  it('stays usable in a narrow window: no page scrolls sideways', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    for (const where of ['machines', 'workflows', 'agents', 'skills']) {
      await goto(where);
      await page.locator('h1').waitFor();
      // Every loading state on the page (the machines page also loads each machine's history).
      await expect.poll(() => page.locator('.state.loading-state').count(), { timeout: 10_000 }).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), where).toBe(
        true,
      );
      await shot(page, `29-narrow-${where}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
