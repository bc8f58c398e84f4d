/**
 * Project AI in a real headless Chromium: the console's panel talks to a conversation whose agent
 * is the REAL Claude Code CLI (on the control plane's local machine) against the in-repo fake
 * Anthropic server. Open the panel, send a message, see the streamed reply, and see the ticket
 * the agent created appear on the board (live, no reload). With both slots of the machine held by
 * open conversations, a third one says it waits for a slot and starts when one is closed. A ticket run on the same
 * machine whose workflow asks before `git push` shows "Needs approval" and goes on when Approve is clicked; Decline
 * with a reason keeps the push from running and the agent reads the reason; a message typed in the drawer under a
 * live run reaches the model in its next request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addClaudeAgent, eventually, useClaudeConsole } from './harness';
import type { FakeStep } from '@openase/test-kit/fake-models';
import { createTestRemote } from '@openase/test-kit/git-remote';

const ui = useClaudeConsole({
  name: 'project-ai',
  landing: /\/(projects|p\/chatai\/board)$/,
  setup: async ({ cli, models, claude }) => {
    cli(['project', 'create', 'Chat AI', '--slug', 'chatai', '--prefix', 'CAI']);
    models.setScript('web', {
      steps: [
        { shell: 'openase ticket create --title "Write the onboarding guide"' },
        { text: 'I created CAI-1 for the onboarding guide.' },
      ],
    });
    await addClaudeAgent(cli, 'chatai', claude, models.baseUrl('web'));
  },
});
const cli = ui.cli;

/** A project with a repository, a Claude Code agent on fake-model script `slug`, a workflow asking before a push. */
async function guardedProject(slug: string, prefix: string, steps: FakeStep[], maxTurns = 1) {
  const remote = createTestRemote();
  cli(['project', 'create', slug, '--slug', slug, '--prefix', prefix]);
  cli(['repo', 'add', remote.url, '--project', slug, '--name', 'app']);
  ui.models.setScript(slug, { steps });
  await addClaudeAgent(cli, slug, ui.claude, ui.models.baseUrl(slug));
  const harness = path.join(path.dirname(remote.dir), `${slug}.md`);
  fs.writeFileSync(
    harness,
    `---\nname: guarded\nagent: claude\npickup: [Todo]\nfinish: [In Review]\nmax_turns: ${maxTurns}\nmax_attempts: 1\ntools:\n  ask: ["Bash(git push*)"]\n---\nDo the work.\n`,
  );
  cli(['workflow', 'import', harness, '--project', slug]);
  cli(['ticket', 'create', '--project', slug, '--title', 'Do it']);
  cli(['ticket', 'move', `${prefix}-1`, 'Todo']);
  return remote;
}

describe('Project AI panel in Chromium', () => {
  it('a push the workflow asks about waits with "Needs approval"; Approve in the drawer lets the run go on', async () => {
    const remote = await guardedProject('asks', 'ASK', [
      { shell: 'git push --porcelain --dry-run nowhere 2>/dev/null; echo push-ran' },
      { shell: '"$OPENASE_WORKSPACE/.openase/bin/openase" move "In Review"' },
      { text: 'pushed and moved' },
    ]);
    try {
      await ui.page.goto(`${ui.cp.url}/p/asks/board`);
      const card = ui.page.locator('[data-test=card][data-ticket="ASK-1"]');
      await card.locator('[data-test=needs-approval]').waitFor({ timeout: 120_000 });
      await card.click();
      const panel = ui.page.locator('[data-test=approval-panel]');
      expect(await panel.locator('[data-test=approval-detail]').textContent()).toBe(
        'git push --porcelain --dry-run nowhere 2>/dev/null; echo push-ran',
      );
      expect(await panel.textContent()).toContain('waits for a person before it may run this command');
      await ui.shot('22-needs-approval');
      await panel.locator('[data-test=approval-approve]').click();
      await ui.page
        .locator('[data-test=column][data-status="In Review"] [data-test=card][data-ticket="ASK-1"]')
        .waitFor({ timeout: 120_000 });
      expect(await ui.page.locator('[data-test=approval-panel]').count()).toBe(0);
      const activity = JSON.parse(cli(['ticket', 'show', 'ASK-1', '--json'])) as {
        activity: Array<{ action: string }>;
      };
      expect(activity.activity.map((a) => a.action)).toEqual(
        expect.arrayContaining(['run.approval_requested', 'run.approved']),
      );
    } finally {
      remote.cleanup();
    }
  });

  it('Decline with a reason in the drawer: the push never runs and the agent reads the reason', async () => {
    const remote = await guardedProject('nay', 'NAY', [
      // The output (push-ran-5161) is not in the command's text: only a run of it would put it in a request.
      { shell: 'git push --porcelain --dry-run nowhere 2>/dev/null; echo push-ran-$((5000+161))' },
      { text: 'not pushed' },
    ]);
    try {
      await ui.page.goto(`${ui.cp.url}/p/nay/board`);
      const card = ui.page.locator('[data-test=card][data-ticket="NAY-1"]');
      await card.locator('[data-test=needs-approval]').waitFor({ timeout: 120_000 });
      await card.click();
      const panel = ui.page.locator('[data-test=approval-panel]');
      await panel.locator('[data-test=approval-decline]').click();
      await panel.locator('[data-test=approval-reason]').fill('no pushes on Fridays 61c2');
      await panel.locator('[data-test=approval-decline-send]').click();
      await eventually(
        () =>
          ui.models.requestsFor('nay').some((r) => String(JSON.stringify(r.body)).includes('no pushes on Fridays 61c2'))
            ? true
            : undefined,
        'the decline reason in the next request',
        120_000,
      );
      await ui.page.locator('[data-test=approval-panel]').waitFor({ state: 'detached', timeout: 60_000 });
      const bodies = ui.models.requestsFor('nay').map((r) => String(JSON.stringify(r.body)));
      expect(bodies.some((b) => b.includes('push-ran-5161'))).toBe(false);
      const shown = JSON.parse(cli(['ticket', 'show', 'NAY-1', '--json'])) as { activity: Array<{ action: string }> };
      expect(shown.activity.map((a) => a.action)).toContain('run.declined');
    } finally {
      remote.cleanup();
    }
  }, 300_000);

  it('a message typed in the drawer under a live run reaches the model in the next request', async () => {
    const remote = await guardedProject('steer', 'STR', [{ shell: 'sleep 8; echo slept' }, { text: 'turn over' }], 2);
    try {
      await ui.page.goto(`${ui.cp.url}/p/steer/board`);
      await ui.page.locator('[data-test=card][data-ticket="STR-1"]').click();
      const box = ui.page.locator('[data-test=steer-box]');
      // The model has asked for the command: the message arrives while the turn runs.
      await eventually(
        () => (ui.models.requestsFor('steer').some((r) => r.api !== 'other') ? true : undefined),
        'the agent’s first request',
        120_000,
      );
      await box.locator('[data-test=steer-text]').fill('use the existing HTTP client instead 8e4b');
      await box.locator('[data-test=steer-send]').click();
      await eventually(
        () =>
          ui.models
            .requestsFor('steer')
            .some((r) => String(JSON.stringify(r.body)).includes('HTTP client instead 8e4b'))
            ? true
            : undefined,
        'the steering message in the next request',
        120_000,
      );
    } finally {
      remote.cleanup();
    }
  }, 300_000);

  it('an agent\'s question shows "Waiting for input"; the answer sent from the drawer reaches the resumed session', async () => {
    const remote = await guardedProject('qs', 'QS', [
      { shell: '"$OPENASE_WORKSPACE/.openase/bin/openase" ticket ask "Which database should the cache use?"' },
      { text: 'I asked.' },
    ]);
    try {
      await ui.page.goto(`${ui.cp.url}/p/qs/board`);
      const card = ui.page.locator('[data-test=card][data-ticket="QS-1"]');
      await card.locator('[data-test=waiting-for-input]').waitFor({ timeout: 120_000 });
      expect(await card.textContent()).toContain('Which database should the cache use?');
      await card.click();
      const panel = ui.page.locator('[data-test=question-panel]');
      expect(await panel.locator('[data-test=question]').textContent()).toBe('Which database should the cache use?');
      await panel.locator('[data-test=answer-text]').fill('Redis 7, please 77aa');
      await ui.shot('23-waiting-for-input');
      await panel.locator('[data-test=answer-send]').click();
      await eventually(
        () =>
          ui.models.requestsFor('qs').some((r) => String(JSON.stringify(r.body)).includes('Redis 7, please 77aa'))
            ? true
            : undefined,
        'the answer in the resumed conversation',
        120_000,
      );
    } finally {
      remote.cleanup();
    }
  });

  it('opens the panel, sends a message, streams the reply, and the created ticket appears on the board', async () => {
    await ui.page.goto(`${ui.cp.url}/p/chatai/board`);
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    const panel = ui.page.locator('aside.chat-panel');
    await panel.waitFor();
    await panel.getByRole('textbox', { name: 'Message' }).fill('We need onboarding docs');
    await panel.getByRole('textbox', { name: 'Message' }).press('Enter');
    await panel.locator('[data-testid=chat-reply]', { hasText: 'I created CAI-1' }).waitFor({ timeout: 180_000 });
    await panel.locator('.chat-user', { hasText: 'We need onboarding docs' }).waitFor();
    await panel.getByRole('tab', { name: 'We need onboarding docs' }).waitFor();
    await panel.locator('.chat-tool', { hasText: 'openase ticket create' }).first().waitFor();
    // The tool call as the run drawer shows it: the command itself, never its input's JSON; the input on expanding.
    const tool = panel.locator('[data-test=tool-call]', { hasText: 'openase ticket create' }).first();
    expect(await tool.locator('[data-test=tool-summary]').textContent()).toBe(
      'openase ticket create --title "Write the onboarding guide"',
    );
    expect(await tool.locator('summary').innerText()).not.toMatch(/[{}]|"command"/);
    await tool.locator('summary').click();
    expect(await tool.locator('pre').first().innerText()).toContain('"command"');
    await ui.page.locator('[data-test=card][data-ticket="CAI-1"]').waitFor({ timeout: 30_000 });
    expect(await ui.page.locator('[data-test=card][data-ticket="CAI-1"]').textContent()).toContain(
      'Write the onboarding guide',
    );
    await expect
      .poll(() => panel.locator('[data-testid=chat-activity]').textContent(), { timeout: 60_000 })
      .toBe('waiting for your next message');
    expect(await panel.locator('[data-testid=chat-activity]').getAttribute('title')).toMatch(
      /finished its turn and waits for the next message, keeping its machine slot/,
    );
    expect(await panel.locator('[data-testid=chat-cost]').textContent()).toMatch(/^\$\d+\.\d{4} \/ \$5\.0000$/);
    await panel.getByText('What it may do', { exact: true }).click();
    // In words; the scope's name is the tooltip.
    expect(await panel.locator('.chat-scopes li[title="tickets.create"]').textContent()).toBe(
      'create tickets anywhere in the project',
    );
    await ui.shot('20-project-ai');
    await panel.getByRole('button', { name: 'Close', exact: true }).click();
    await expect
      .poll(() => panel.locator('[data-testid=chat-activity]').textContent(), { timeout: 60_000 })
      .toBe('closed');
  });

  it('a conversation on a full machine says it waits for a slot, and starts when another is closed', async () => {
    await eventually(
      () => {
        const active = (
          JSON.parse(cli(['run', 'list', '--json', '--all'])) as { items: Array<{ state: string }> }
        ).items.filter((r) => ['queued', 'offered', 'preparing', 'running'].includes(r.state));
        return active.length === 0 ? true : undefined;
      },
      'the first conversation’s run to end',
      60_000,
    );
    await ui.page.goto(`${ui.cp.url}/p/chatai/board`);
    await ui.page.getByRole('button', { name: 'Project AI' }).click();
    const panel = ui.page.locator('aside.chat-panel');
    const start = async (message: string, reply: string) => {
      ui.models.setScript('web', { steps: [{ text: reply }] });
      await panel.getByRole('tab', { name: '+ New' }).click();
      await panel.getByRole('textbox', { name: 'Message' }).fill(message);
      await panel.getByRole('textbox', { name: 'Message' }).press('Enter');
      await panel.getByRole('tab', { name: message }).waitFor();
    };
    // Two open conversations hold the local machine's two slots.
    for (const [message, reply] of [
      ['first holder', 'one'],
      ['second holder', 'two'],
    ] as const) {
      await start(message, reply);
      await panel.locator('[data-testid=chat-reply]', { hasText: reply }).waitFor({ timeout: 180_000 });
      await expect
        .poll(() => panel.locator('[data-testid=chat-activity]').textContent(), { timeout: 60_000 })
        .toBe('waiting for your next message');
    }
    await start('the third one', 'three');
    await panel
      .locator('[data-testid=chat-waits]', { hasText: 'Waiting for a free slot on local (2 of 2 busy)' })
      .waitFor();
    expect(await panel.locator('[data-testid=chat-activity]').textContent()).toBe('starting the agent…');
    await ui.shot('21-project-ai-waits-for-slot');

    await panel.getByRole('tab', { name: 'first holder' }).click();
    await panel.getByRole('button', { name: 'Close', exact: true }).click();
    await expect
      .poll(() => panel.locator('[data-testid=chat-activity]').textContent(), { timeout: 60_000 })
      .toBe('closed');
    await panel.getByRole('tab', { name: 'the third one' }).click();
    await panel.locator('[data-testid=chat-reply]', { hasText: 'three' }).waitFor({ timeout: 180_000 });
    await expect
      .poll(() => panel.locator('[data-testid=chat-activity]').textContent(), { timeout: 60_000 })
      .toBe('waiting for your next message');
    expect(await panel.locator('[data-testid=chat-waits]').count()).toBe(0);
  }, 300_000); // its own waits allow minutes on a loaded machine (a reply alone up to 180 s): 60 s cut it short in CI
});
