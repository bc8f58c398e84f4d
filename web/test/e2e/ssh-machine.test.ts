/**
 * The SSH machine form in Chromium: a real SSH server (ssh2's, on a loopback port) presents its
 * host key; the page shows the fingerprint the control plane saw, which must be the server's, and
 * nothing is trusted until the person confirms it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { Proc } from '@openase/test-kit/fleet-harness';
import { bundle } from '@openase/test-kit/server-process';
import { eventually, launchBrowser, screenshotDir, startControlPlane, type ControlPlane } from './harness';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let cp: ControlPlane;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let server: ssh2.Server;
let port: number;
let fingerprint: string;
let dir: string;
const fingerprintOf = (publicKey: string) => {
  const parsed = ssh2.utils.parseKey(publicKey) as ssh2.ParsedKey;
  return `SHA256:${createHash('sha256').update(parsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
};
const cli = (args: string[]) => {
  const r = cp.cli(args);
  expect(r.code, r.err).toBe(0);
  return r.out;
};

describe('SSH machine form in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-e2e-ssh-'));
    const host = ssh2.utils.generateKeyPairSync('ed25519');
    const client = ssh2.utils.generateKeyPairSync('ed25519');
    fs.writeFileSync(path.join(dir, 'id_ed25519'), client.private, { mode: 0o600 });
    fingerprint = fingerprintOf(host.public);
    // Presents its host key and refuses every login: the page's part ends at the key.
    server = new ssh2.Server({ hostKeys: [host.private] }, (conn) => {
      conn.on('authentication', (ctx) => ctx.reject(['publickey']));
      conn.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    cp = await startControlPlane();
    browser = await launchBrowser();
    browser.context.setDefaultTimeout(15_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    cp.cli(['project', 'create', 'Demo']);
    await page.goto(cp.signInUrl);
    await page.waitForURL(/\/p\/demo\/board|\/projects/);
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the host key seen, and pins it only when the person trusts it', async () => {
    await page.goto(`${cp.url}/p/demo/machines`);
    await page.click('[data-test=add-ssh]');
    const form = page.locator('[data-test=ssh-form]');
    await form.locator('input[name=name]').fill('ssh-box');
    await form.locator('input[name=host]').fill('127.0.0.1');
    await form.locator('input[name=port]').fill(String(port));
    await form.locator('input[name=user]').fill('builder');
    await form.locator('input[name=keyPath]').fill(path.join(dir, 'id_ed25519'));
    await form.locator('button[type=submit]').click();
    const seen = page.locator('[data-test=seen-fingerprint]');
    await seen.waitFor();
    expect((await seen.textContent())!.trim()).toBe(fingerprint);
    const listed = page.locator('[data-test=machine][data-machine=ssh-box]');
    expect(await listed.textContent()).toContain('host key not trusted yet');
    await page.screenshot({ path: path.join(screenshotDir, '30-ssh-fingerprint.png') });
    await page.click('[data-test=trust]');
    await page.locator('[data-test=ssh-confirm]').waitFor({ state: 'detached' });
    await expect.poll(() => listed.textContent(), { timeout: 10_000 }).toContain(fingerprint);
    const shown = JSON.parse(cp.cli(['machine', 'show', 'ssh-box', '--json']).out);
    expect(shown.ssh.fingerprint).toBe(fingerprint);
  });

  it('refuses a malformed fingerprint with the reason, keeping the form', async () => {
    await page.click('[data-test=add-ssh]');
    const form = page.locator('[data-test=ssh-form]');
    await form.locator('input[name=name]').fill('ssh-box-2');
    await form.locator('input[name=host]').fill('127.0.0.1');
    await form.locator('input[name=user]').fill('builder');
    await form.locator('input[name=keyPath]').fill(path.join(dir, 'id_ed25519'));
    await form.locator('input[name=fingerprint]').fill('MD5:nope');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.error').textContent(), { timeout: 10_000 }).toMatch(/SHA256/);
    expect(await form.locator('input[name=name]').inputValue()).toBe('ssh-box-2');
  });

  it('says in words when the host key changed, with the trust action; the CLI says it too', async () => {
    // Pinned to another key than the one the server presents: as if the machine was reinstalled.
    const expected = fingerprintOf(ssh2.utils.generateKeyPairSync('ed25519').public);
    const key = path.join(dir, 'id_ed25519');
    cli(
      ['machine', 'add-ssh', 'ssh-moved', '--host', '127.0.0.1', '--port', String(port), '--user', 'builder'].concat([
        '--key',
        key,
        '--fingerprint',
        expected,
      ]),
    );
    await page.goto(`${cp.url}/p/demo/machines`);
    const card = page.locator('[data-test=machine][data-machine=ssh-moved]');
    const problem = card.locator('[data-test=host-key]');
    await expect
      .poll(() => problem.textContent().catch(() => ''), { timeout: 20_000 })
      .toContain(`Host key changed: trusted ${expected}, the machine now offers ${fingerprint}.`);
    expect(await problem.textContent()).toMatch(/refused until the new key is trusted/);
    await page.screenshot({ path: path.join(screenshotDir, '31-ssh-host-key-changed.png') });
    expect(cli(['machine', 'show', 'ssh-moved'])).toContain(
      `host key changed: trusted ${expected}, the machine now offers ${fingerprint}`,
    );
    expect(cli(['machine', 'list'])).toMatch(/ssh-moved .*\(host key changed: trusted/);
    // A run on it waits, and says why (the command waits on: it is stopped once it has said so).
    const follow = new Proc(
      spawn(process.execPath, [bundle, 'run', 'start', '--machine', 'ssh-moved', '--follow', '--', 'echo', 'hi'], {
        env: { ...process.env, OPENASE_HOME: cp.home, OPENASE_URL: '', OPENASE_TOKEN: '' },
      }),
    );
    const trust = `To trust it: openase machine trust ssh-moved --fingerprint ${fingerprint}`;
    try {
      await eventually(() => (follow.output.includes(trust) ? true : undefined), 'the trust hint', 15_000).catch(
        () => {},
      );
      expect(follow.output).toContain(trust);
      expect(follow.output).toMatch(/waiting: ssh-moved is \w+; the run starts when it connects/);
    } finally {
      await follow.kill();
    }
    page.once('dialog', (d) => void d.accept());
    await card.locator('[data-test=trust-host-key]', { hasText: 'Trust the new key' }).click();
    await eventually(
      () =>
        JSON.parse(cli(['machine', 'show', 'ssh-moved', '--json'])).ssh.fingerprint === fingerprint ? true : undefined,
      'the new key to be trusted',
    );
    await problem.waitFor({ state: 'detached' });
  });

  it('says when the host key could not be read, and takes the expected key typed in', async () => {
    cli(
      ['machine', 'add-ssh', 'ssh-gone', '--host', '127.0.0.1', '--port', '1', '--user', 'builder'].concat([
        '--key',
        path.join(dir, 'id_ed25519'),
      ]),
    );
    await page.goto(`${cp.url}/p/demo/machines`);
    const card = page.locator('[data-test=machine][data-machine=ssh-gone]');
    expect(await card.locator('[data-test=host-key]').textContent()).toContain(
      'Host key not read yet: the machine could not be reached over SSH.',
    );
    page.once('dialog', (d) => void d.accept(fingerprint));
    await card.locator('[data-test=trust-host-key]', { hasText: 'Enter the host key' }).click();
    await eventually(
      () =>
        JSON.parse(cli(['machine', 'show', 'ssh-gone', '--json'])).ssh.fingerprint === fingerprint ? true : undefined,
      'the typed key to be trusted',
    );
  });
});
