/**
 * Issue 16's acceptance in Chromium, tried as new people would: the admin invites a member and a viewer from the
 * People page; each accepts in a fresh browser context; the viewer follows the board live with every write control
 * disabled (and the API refuses their writes with 403); the member drags a ticket to Todo and it dispatches (the
 * stand-in agent on the real `local` machine). Then single sign-on against a real OpenID Connect provider on
 * loopback (test-kit/src/oidc-idp.ts): draft → test sign-in → enable, a person signs in through the provider,
 * and an unverified email is refused with a clear message and an audit entry.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { STAND_IN_AGENT as STAND_IN } from '@openase/test-kit/stand-in';
import { startTestIdp, type TestIdp } from '@openase/test-kit/oidc-idp';
import { bundle } from '@openase/test-kit/server-process';
import {
  CHROMIUM_ARGS,
  chromiumPath,
  eventually,
  screenshotDir,
  startControlPlane,
  type ControlPlane,
} from './harness';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const SCRIPT = { steps: [{ run: '"$OPENASE_WORKSPACE/.openase/bin/openase" move "In Review"' }, { text: 'done' }] };

let cp: ControlPlane;
let browser: Browser;
let remote: TestRemote;
let idp: TestIdp | null = null;
const contexts: BrowserContext[] = [];
const people: Record<'admin' | 'member' | 'viewer', Page | null> = { admin: null, member: null, viewer: null };
const links: Record<'member' | 'viewer', string> = { member: '', viewer: '' };

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
const card = (p: Page, id: string) => p.locator(`[data-test=card][data-ticket="${id}"]`);
const cli = (args: string[]) => {
  const r = cp.cli(args);
  expect(r.code, r.err).toBe(0);
  return r.out;
};
/** The CLI without blocking this process: the identity provider runs here and must answer the server meanwhile. */
function cliAsync(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OPENASE_HOME: cp.home, OPENASE_URL: '', OPENASE_TOKEN: '', OPENASE_PROJECT: '' };
    execFile(process.execPath, [bundle, ...args], { env }, (err, out, errOut) =>
      err ? reject(new Error(`openase ${args.join(' ')}: ${errOut || err.message}`)) : resolve(out),
    );
  });
}

/** A fresh browser context: nobody signed in, no cookies shared with the others. */
async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(20_000);
  contexts.push(context);
  return context.newPage();
}

describe('a team in Chromium: invitations, roles that hold, single sign-on', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    remote = createTestRemote({ 'README.md': '# app\n' });
    cp = await startControlPlane();
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
    cli(['project', 'create', 'Demo']);
    cli(['repo', 'add', remote.url, '--project', 'demo', '--name', 'app']);
    cli([
      'agent',
      'create',
      'stand-in',
      '--project',
      'demo',
      '--adapter',
      'custom',
      '--command',
      process.execPath,
      '--arg',
      STAND_IN,
      '--env',
      `STAND_IN_SCRIPT_JSON=${JSON.stringify(SCRIPT)}`,
    ]);
    cli(['workflow', 'create', '--template', 'full-stack', '--project', 'demo', '--agent', 'stand-in']);
    cli(['ticket', 'create', '--project', 'demo', '--title', 'Shared work']);
    people.admin = await freshPage();
    await people.admin.goto(cp.signInUrl);
    await people.admin.waitForURL(/\/p\/demo\/board|\/projects/);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      for (const [who, p] of Object.entries(people))
        if (p) await shot(p, `failed-teams-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}-${who}`).catch(() => {});
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await idp?.close();
    await cp?.stop();
    remote?.cleanup();
  });

  it('the admin invites a member and a viewer from the People page', async () => {
    const page = people.admin!;
    // People is in the account menu under the person's name (the top bar stays one line at 1280 px).
    await page.click('[data-test=account-menu-toggle]');
    await page.click('[data-test=nav-people]');
    const form = page.locator('[data-test=invite-form]');
    for (const [role, email] of [
      ['member', 'mia@example.com'],
      ['viewer', 'vic@example.com'],
    ] as const) {
      await form.locator('input[name=email]').fill(email);
      await form.locator('select[name=role]').selectOption(role);
      await form.locator('button[type=submit]').click();
      await eventually(async () => {
        const text = (await page.locator('[data-test=invite-link] code').textContent()) ?? '';
        return text.includes('/invite#') && text !== links.member ? text : undefined;
      }, `the ${role}'s invitation link`);
      links[role] = (await page.locator('[data-test=invite-link] code').textContent())!;
    }
    await expect.poll(() => page.locator('[data-test=invitations] li[data-state=pending]').count()).toBe(2);
    await shot(page, '60-people-invited');
  });

  it('each accepts the invitation in a fresh browser and lands signed in with their role', async () => {
    for (const [role, name, label] of [
      ['member', 'Mia Member', 'Member'],
      ['viewer', 'Vic Viewer', 'Viewer'],
    ] as const) {
      const page = await freshPage();
      people[role] = page;
      await page.goto(links[role]);
      expect(await page.locator('[data-test=invited-role]').textContent()).toBe(label);
      if (role === 'viewer') await shot(page, '61-accept-invitation-viewer');
      await page.fill('input[name=name]', name);
      await page.click('button[type=submit]');
      await page.locator('[data-test=whoami]').waitFor();
      expect(await page.locator('[data-test=whoami]').textContent()).toBe(`${name} · ${label}`);
    }
    await people.admin!.reload();
    await expect.poll(() => people.admin!.locator('[data-test=member]').count()).toBe(3);
    expect(await people.admin!.locator('[data-test=invitations] li[data-state=accepted]').count()).toBe(2);
    await shot(people.admin!, '61-people-joined');
  });

  it('the viewer follows the board live, with every write control disabled and the API refusing writes', async () => {
    const page = people.viewer!;
    await page.goto(`${cp.url}/p/demo/board`);
    await card(page, 'DEMO-1').waitFor();
    expect(await page.locator('[data-test=read-only-note]').textContent()).toMatch(
      /You are a Viewer here: this needs the Member role/,
    );
    const newTicket = page.locator('[data-test=new-ticket]');
    expect(await newTicket.isDisabled()).toBe(true);
    expect(await newTicket.getAttribute('title')).toMatch(/needs the Member role/);
    expect(await card(page, 'DEMO-1').getAttribute('draggable')).toBe('false');
    await page.keyboard.press('c');
    expect(await page.locator('[data-test=new-ticket-form]').count()).toBe(0);
    // Live: a ticket created elsewhere appears.
    cli(['ticket', 'create', '--project', 'demo', '--title', 'Made by the admin']);
    await card(page, 'DEMO-2').waitFor();
    await card(page, 'DEMO-1').click();
    const drawer = page.locator('[data-test=drawer]');
    await drawer.waitFor();
    expect(await drawer.locator('[data-test=ticket-fields]').isDisabled()).toBe(true);
    expect(await drawer.locator('[data-test=drawer-status]').isDisabled()).toBe(true);
    expect(await drawer.locator('[data-test=archive]').isDisabled()).toBe(true);
    expect(await drawer.locator('[data-test=comment-form] textarea').isDisabled()).toBe(true);
    // No raw state names in what the viewer reads about their role.
    expect(await page.locator('[data-test=whoami]').textContent()).not.toMatch(/viewer/);
    await shot(page, '62-viewer-board-read-only');
    const status = await page.evaluate(async () => {
      const csrf = /(?:^|; )openase_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const res = await fetch('/trpc/tickets.create', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ project: 'demo', title: 'sneaky' }),
      });
      return { status: res.status, body: await res.text() };
    });
    expect(status.status).toBe(403);
    expect(status.body).toMatch(/your role \(viewer\) cannot create tickets/);
    // Pages of the project settings offer the viewer nothing that would then fail.
    await page.goto(`${cp.url}/p/demo/statuses`);
    const todo = page.locator('.status-row[data-status=Todo]');
    expect(await todo.getByLabel('Name').isDisabled()).toBe(true);
    expect(await todo.getByRole('button', { name: 'Delete…' }).isDisabled()).toBe(true);
    expect(await todo.getByLabel('Stage').locator('option:checked').textContent()).toBe('To do (planned, not started)');
    await page.goto(`${cp.url}/p/demo/repositories`);
    expect(await page.locator('[data-test=repository-add] input[name=url]').isDisabled()).toBe(true);
    await page.goto(`${cp.url}/p/demo/board`); // the next test watches this board
    await card(page, 'DEMO-1').waitFor();
  });

  it('the member drags the ticket to Todo and it dispatches', async () => {
    const page = people.member!;
    await page.goto(`${cp.url}/p/demo/board`);
    await card(page, 'DEMO-1').dragTo(page.locator('[data-test=column][data-status="Todo"]'));
    // Dispatched: the orchestrator started a run of the agent on the `local` machine, and every board shows it live.
    const runs = await eventually(
      () => {
        const t = JSON.parse(cli(['ticket', 'show', 'DEMO-1', '--json'])) as { runs: Array<{ state: string }> };
        return t.runs.length ? t.runs : undefined;
      },
      'a run of DEMO-1',
      60_000,
    );
    expect(runs[0]!.state).toMatch(/queued|offered|preparing|running|succeeded/);
    await card(people.viewer!, 'DEMO-1').locator('[data-test=running-badge]').waitFor({ timeout: 60_000 });
    await shot(page, '63-member-dispatched');
  });

  it('the viewer watches a ticket from the drawer, and a comment on it reaches their inbox', async () => {
    const page = people.viewer!;
    await page.goto(`${cp.url}/p/demo/board/DEMO-2`);
    const watch = page.locator('[data-test=drawer] [data-test=watch]');
    expect(await watch.textContent()).toMatch(/^\s*Watch\s*$/);
    await watch.click();
    await expect.poll(() => watch.getAttribute('aria-pressed')).toBe('true');
    expect(await watch.textContent()).toMatch(/Watching/);
    cli(['ticket', 'comment', 'DEMO-2', 'Needs a second look']);
    await page.locator('[data-test=unread]').waitFor({ timeout: 30_000 });
    await page.goto(`${cp.url}/inbox`);
    await page.locator('[data-test=inbox-item]', { hasText: 'DEMO-2' }).first().waitFor();
  });

  it('a project role turns the controls of that project on or off at once; the organization’s stay as they were', async () => {
    const viewer = people.viewer!;
    await viewer.goto(`${cp.url}/p/demo/board`);
    await card(viewer, 'DEMO-1').waitFor();
    expect(await viewer.locator('[data-test=new-ticket]').isDisabled()).toBe(true);
    cli(['member', 'role', 'vic@example.com', 'member', '--project', 'demo']);
    // No reload: the role change reaches the viewer's tab on the live stream.
    await expect.poll(() => viewer.locator('[data-test=new-ticket]').isDisabled(), { timeout: 10_000 }).toBe(false);
    expect(await viewer.locator('[data-test=read-only-note]').count()).toBe(0);
    expect(await viewer.locator('[data-test=whoami]').textContent()).toBe('Vic Viewer · Member in this project');
    // Machines are the organization's: still an admin's there.
    await viewer.goto(`${cp.url}/p/demo/machines`);
    expect(await viewer.locator('[data-test=add-machine]').isDisabled()).toBe(true);
    await viewer.goto(`${cp.url}/settings`);
    await viewer.locator('[data-test=notification-settings]').waitFor();
    expect(await viewer.locator('[data-test=channel-form]').count()).toBe(0);
    expect(await viewer.locator('[data-test=notification-settings] .read-only-note').textContent()).toMatch(
      /You are a Viewer here: this needs the Admin role/,
    );
    // Single sign-on is an owner's: the note says so, every control is off with that reason as its tooltip, and the
    // button that also needs a test first gives the role as its reason (not a step the viewer cannot take).
    const signIn = viewer.locator('[data-test=sign-in-settings]');
    expect(await signIn.locator('[data-test=sign-in-why-not]').textContent()).toMatch(
      /You are a Viewer here: only an owner can change this\. Ask an owner\./,
    );
    const fieldset = signIn.locator('fieldset');
    expect(await fieldset.isDisabled()).toBe(true);
    expect(await fieldset.getAttribute('title')).toMatch(/only an owner/);
    expect(await fieldset.getAttribute('aria-describedby')).toBe('sign-in-why-not');
    for (const control of ['test-sign-in', 'use-sso'])
      expect(await signIn.locator(`[data-test=${control}]`).getAttribute('title'), control).toMatch(/only an owner/);

    const member = people.member!;
    await member.goto(`${cp.url}/p/demo/board`);
    await card(member, 'DEMO-1').waitFor();
    cli(['member', 'role', 'mia@example.com', 'viewer', '--project', 'demo']);
    await expect.poll(() => member.locator('[data-test=new-ticket]').isDisabled(), { timeout: 10_000 }).toBe(true);
    expect(await member.locator('[data-test=read-only-note]').textContent()).toMatch(
      /You are a Viewer in this project: this needs the Member role\. Ask a project admin/,
    );
    await shot(member, '63-member-made-viewer-of-project');
    // On People, each person's "Role in a project" form is their own, starting from the role they have there.
    const admin = people.admin!;
    await admin.goto(`${cp.url}/people`);
    const row = (email: string) => admin.locator(`[data-test=member][data-email="${email}"]`);
    for (const email of ['vic@example.com', 'mia@example.com']) await row(email).locator('summary').click();
    await row('vic@example.com').getByLabel('Project').selectOption('demo');
    expect(await row('vic@example.com').getByLabel('Role there').inputValue()).toBe('member');
    expect(await row('mia@example.com').getByLabel('Project').inputValue()).toBe('');
    await row('mia@example.com').getByLabel('Project').selectOption('demo');
    expect(await row('mia@example.com').getByLabel('Role there').inputValue()).toBe('viewer');
    cli(['member', 'role', 'mia@example.com', 'none', '--project', 'demo']);
    cli(['member', 'role', 'vic@example.com', 'none', '--project', 'demo']);
    await expect.poll(() => member.locator('[data-test=new-ticket]').isDisabled(), { timeout: 10_000 }).toBe(false);
  });

  it('the admin adds a webhook channel in Settings and a test send shows in the delivery log', async () => {
    const got: string[] = [];
    const receiver = http.createServer((req, res) => {
      got.push(String(req.headers['x-openase-signature'] ?? ''));
      res.end('ok');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const page = people.admin!;
      await page.goto(`${cp.url}/settings`);
      const form = page.locator('[data-test=channel-form]');
      await form.locator('input[name=name]').fill('ci-hook');
      await form.locator('input[name=url]').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
      await form.locator('button[type=submit]').click();
      expect(await page.locator('[data-test=channel-secret] code').textContent()).toMatch(/^whsec_/);
      await page.locator('[data-channel=ci-hook] [data-test=test-channel]').click();
      await page.locator('[data-test=delivery]').first().getByText('delivered').waitFor();
      // A rule: tickets of Demo entering In Review go to this channel.
      const rule = page.locator('[data-test=rule-form]');
      await rule.locator('input[name=statuses]').fill('In Review');
      await rule.locator('button').click();
      await page.locator('[data-test=rule]', { hasText: 'A ticket entered a status (In Review)' }).waitFor();
      expect(await page.locator('[data-test=delivery] .tag.ok').first().textContent()).toBe('200');
      expect(got[0]).toMatch(/^v1=[0-9a-f]{64}$/);
      await shot(page, '64-settings-notifications');
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('signs in with single sign-on through a real provider, and refuses an unverified email with a reason', async () => {
    idp = await startTestIdp(`${cp.url}/auth/oidc/callback`);
    idp.accounts.set('olga@example.com', { email: 'olga@example.com', verified: true, name: 'Olga Okafor' });
    idp.accounts.set('eve@example.com', { email: 'eve@example.com', verified: false, name: 'Eve' });
    await cliAsync([
      'auth',
      'oidc',
      'set',
      '--issuer',
      idp.issuer,
      '--client-id',
      idp.clientId,
      '--client-secret',
      idp.clientSecret,
      '--domains',
      'example.com',
      '--new-users',
      'member',
    ]);
    const { url } = JSON.parse(await cliAsync(['auth', 'oidc', 'test', '--json'])) as { url: string };
    const admin = people.admin!;
    await admin.goto(url);
    await admin.fill('input[name=email]', 'olga@example.com');
    await admin.click('button');
    await admin.getByText('Single sign-on works').waitFor();
    expect(JSON.parse(await cliAsync(['auth', 'oidc', 'enable', '--json'])).signIn).toBe('oidc');

    const signIn = async (email: string) => {
      const page = await freshPage();
      await page.goto(`${cp.url}/p/demo/board`);
      await page.click('[data-test=sso]');
      await page.fill('input[name=email]', email);
      await page.click('button');
      return page;
    };
    const olga = await signIn('olga@example.com');
    await olga.locator('[data-test=whoami]').waitFor();
    expect(await olga.locator('[data-test=whoami]').textContent()).toBe('Olga Okafor · Member');
    await card(olga, 'DEMO-1').waitFor();

    const eve = await signIn('eve@example.com');
    await eve.getByText('Sign-in refused').waitFor();
    expect(await eve.locator('[role=alert]').textContent()).toMatch(/has not verified eve@example.com/);
    await shot(eve, '65-sso-refused');
    const audit = JSON.stringify(JSON.parse(await cliAsync(['audit', 'list', '--kind', 'sign-in', '--json'])));
    expect(audit).toMatch(/refused a sign-in with single sign-on by eve@example.com[^"]*: [^"]*has not verified/);
    expect(audit).toMatch(/Olga Okafor signed in with single sign-on/);
    // The admin reads the same refusal on the Audit page.
    await admin.goto(`${cp.url}/audit`);
    await admin.locator('[data-test=audit-filters] select[name=kind]').selectOption('sign-in');
    await admin.locator('[data-test=audit-filters] button.primary').click();
    await admin.locator('[data-test=audit-entry]', { hasText: 'eve@example.com' }).first().waitFor();
    expect(
      await admin.locator('[data-test=audit-entry]', { hasText: 'eve@example.com' }).first().textContent(),
    ).toMatch(/has not verified/);
    await shot(admin, '66-audit-sign-ins');
  });
});
