import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { checkDataDir, checkNode, checkPort } from './doctor.js';

async function doctor(args: string[]) {
  const out: string[] = [];
  const code = await runCli(['doctor', ...args], { out: (l) => out.push(l), err: (l) => out.push(l), env: {} });
  return { code, out: out.join('\n') };
}

describe('openase doctor', () => {
  it('fails an old Node, a world-readable secret key and a taken port, each with what to do', async () => {
    expect(checkNode('18.20.0').status).toBe('fail');
    expect(checkNode('20.19.0').status).toBe('ok');
    expect(checkNode('22.1.0').status).toBe('ok');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-doctor-'));
    try {
      expect(checkDataDir(home).map((c) => c.status)).toEqual(['ok', 'ok']);
      fs.writeFileSync(path.join(home, 'secret.key'), 'x\n', { mode: 0o644 });
      fs.chmodSync(path.join(home, 'secret.key'), 0o644);
      expect(checkDataDir(home)[1]).toMatchObject({ status: 'fail', detail: expect.stringMatching(/chmod 600/) });

      const bad = await doctor(['--data-dir', home, '--port', '0', '--host', '127.0.0.1', '--json']);
      expect(bad.code).toBe(1);
      const report = JSON.parse(bad.out) as { ok: boolean; checks: Array<{ check: string; status: string }> };
      expect(report.ok).toBe(false);
      expect(report.checks.map((c) => c.check)).toEqual(
        expect.arrayContaining(['node', 'release: migrations', 'data dir', 'secret key', 'database', 'git', 'port']),
      );
      fs.chmodSync(path.join(home, 'secret.key'), 0o600);
      const good = await doctor(['--data-dir', home, '--port', '0', '--host', '127.0.0.1']);
      expect(good.out).toMatch(/ready to serve/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    expect((await checkPort('127.0.0.1', port)).status).toBe('warn');
    await new Promise((r) => taken.close(r));
  });
});
