/**
 * SSH machines against two real servers: ssh2's own server in this process (executing commands
 * with a real shell) and OpenSSH's sshd on a loopback port with its own host key and config.
 * The host key must be confirmed before first use, a different key is refused, the daemon bundle
 * is uploaded, and runs work over the exec channel.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import { sshFingerprint } from '../src/fleet/ssh-machines.js';
import {
  AGENT_BUNDLE,
  CP_BUNDLE,
  buildBundles,
  numbered,
  outputLines,
  runState,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
  killLeftoverRuns,
  trackAgentHome,
} from '@openase/test-kit/fleet-harness';

const { Server, utils } = ssh2;
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  killLeftoverRuns();
  for (const c of cleanups.reverse()) await c();
});

function writeKeyPair(dir: string, name: string) {
  const pair = utils.generateKeyPairSync('ed25519');
  const file = path.join(dir, name);
  fs.writeFileSync(file, pair.private, { mode: 0o600 });
  fs.writeFileSync(`${file}.pub`, `${pair.public}\n`);
  return { file, private: pair.private, public: pair.public };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** ssh2's server accepting one public key and running exec requests with `sh -c`. */
async function startSsh2Server(dir: string, clientPublic: string) {
  const hostKey = writeKeyPair(dir, 'host_ed25519');
  const allowed = utils.parseKey(clientPublic) as ssh2.ParsedKey;
  const children = new Set<ChildProcess>();
  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH()))
        return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          const child = spawn('sh', ['-c', info.command], { env: { ...process.env, HOME: dir } });
          children.add(child);
          stream.pipe(child.stdin);
          child.stdin.on('error', () => {});
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on('close', (code) => {
            children.delete(child);
            stream.exit(code ?? 1);
            stream.end();
          });
        });
      });
    });
    client.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const fingerprint = sshFingerprint((utils.parseKey(hostKey.public) as ssh2.ParsedKey).getPublicSSH());
  return {
    port: (server.address() as net.AddressInfo).port,
    fingerprint,
    close() {
      for (const c of children) c.kill('SIGKILL');
      server.close();
    },
  };
}

async function startSshd(dir: string, clientPublicFile: string) {
  const port = await freePort();
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  fs.copyFileSync(clientPublicFile, path.join(dir, 'authorized_keys'));
  fs.mkdirSync('/run/sshd', { recursive: true });
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `SetEnv PATH=${process.env.PATH}`,
    ].join('\n'),
  );
  const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log += c.toString()));
  await waitFor(
    () => `sshd listening\n${log}`,
    () => /Server listening/.test(log),
  );
  const fp = /SHA256:[A-Za-z0-9+/]{43}/.exec(
    spawnSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).stdout,
  )![0];
  return { port, fingerprint: fp, close: () => void proc.kill('SIGKILL') };
}

/** The shared acceptance: confirm before use, refuse a different key, upload, run. */
async function proveSshMachine(
  cp: ControlPlane,
  name: string,
  server: { port: number; fingerprint: string },
  keyFile: string,
  remoteDir: string,
  useCli: boolean,
) {
  const user = process.env.USER || 'root';
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CP_BUNDLE, ...args], {
      encoding: 'utf8',
      env: { ...process.env, OPENASE_URL: cp.url, OPENASE_TOKEN: cp.token },
    });
  if (useCli) {
    const added = cli([
      'machine',
      'add-ssh',
      name,
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      '--user',
      user,
      '--key',
      keyFile,
      '--remote-dir',
      remoteDir,
      '--slots',
      '2',
    ]);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toContain(`its host key fingerprint is ${server.fingerprint}`);
  } else {
    const added = await cp.api.machines.addSsh.mutate({
      name,
      host: '127.0.0.1',
      port: server.port,
      user,
      keyPath: keyFile,
      remoteDir,
      slots: 2,
    });
    expect(added.seenFingerprint).toBe(server.fingerprint);
  }
  await waitFor(
    () => `unconfirmed key refused\n${cp.proc.output}`,
    () => cp.proc.output.includes(`ssh ${name}: host key ${server.fingerprint} is not confirmed`),
  );
  expect((await cp.api.machines.show.query({ name })).status).toBe('pending');

  const wrong = `SHA256:${'A'.repeat(43)}`;
  await cp.api.machines.trust.mutate({ name, fingerprint: wrong });
  await waitFor(
    () => `changed key refused\n${cp.proc.output}`,
    () =>
      cp.proc.output.includes(
        `ssh ${name}: REFUSED: the host key changed (pinned ${wrong}, server offered ${server.fingerprint})`,
      ),
  );
  expect((await cp.api.machines.show.query({ name })).status).toBe('pending');

  if (useCli)
    expect(cli(['machine', 'trust', name]).stdout).toContain(`trusted host key ${server.fingerprint} of ${name}`);
  else await cp.api.machines.trust.mutate({ name });
  await waitFor(
    () => `${name} online\n${cp.proc.output.slice(-3000)}`,
    async () => (await cp.api.machines.show.query({ name })).status === 'online',
    60_000,
  );
  const uploaded = fs.readFileSync(path.join(remoteDir, 'openase-agent.cjs'));
  expect(createHash('sha256').update(uploaded).digest('hex')).toBe(
    createHash('sha256').update(fs.readFileSync(AGENT_BUNDLE)).digest('hex'),
  );
  expect(cp.proc.output).toContain(`ssh ${name}: uploading the daemon bundle`);

  const run = await cp.api.runs.start.mutate({
    machine: name,
    command: ['sh', '-c', 'for i in $(seq 1 500); do echo line $i; done; exit 7'],
  });
  const done = await waitFor('ssh run finished', async () => {
    const r = await runState(cp.api, run.id);
    return r.state === 'failed' ? r : null;
  });
  expect(done.exitCode).toBe(7);
  expect(await outputLines(cp.api, run.id)).toEqual(numbered(500));
  expect((await cp.api.machines.show.query({ name })).kind).toBe('ssh');

  // Reconnecting uploads nothing while the remote bundle is current, and replaces a stale one.
  const uploads = () => cp.proc.output.split(`ssh ${name}: uploading the daemon bundle`).length - 1;
  const reconnect = async () => {
    const before = String((await cp.api.machines.show.query({ name })).connectedAt);
    await cp.api.machines.trust.mutate({ name }); // trusting again reconnects at once
    await waitFor(`${name} reconnected`, async () => {
      const m = await cp.api.machines.show.query({ name });
      return m.status === 'online' && String(m.connectedAt) !== before;
    });
  };
  await reconnect();
  expect(uploads()).toBe(1);
  fs.writeFileSync(path.join(remoteDir, 'openase-agent.cjs'), '// stale');
  await reconnect();
  expect(uploads()).toBe(2);
  expect(fs.readFileSync(path.join(remoteDir, 'openase-agent.cjs')).equals(fs.readFileSync(AGENT_BUNDLE))).toBe(true);
}

describe('SSH machines', () => {
  it("through ssh2's own server: confirm the host key, refuse a changed one, upload, run", async () => {
    buildBundles();
    const dir = trackAgentHome(tempDir('ssh2'));
    const client = writeKeyPair(dir, 'id_ed25519');
    const server = await startSsh2Server(dir, client.public);
    cleanups.push(server.close);
    const cp = await startControlPlane(tempDir('cp-ssh2'));
    cleanups.push(() => cp.proc.kill());
    await proveSshMachine(cp, 'ssh-a', server, client.file, path.join(dir, 'agent'), false);
  });

  const sshd = '/usr/sbin/sshd';
  const haveSshd = fs.existsSync(sshd);
  if (!haveSshd)
    console.warn(`[fleet-ssh] ${sshd} is absent: skipping the OpenSSH test (install openssh-server; .ci/run does)`);
  it.skipIf(!haveSshd || process.getuid?.() !== 0)(
    'through OpenSSH sshd on a loopback port, driven by the CLI',
    async () => {
      buildBundles();
      const dir = trackAgentHome(tempDir('sshd'));
      fs.chmodSync(dir, 0o755);
      const client = writeKeyPair(dir, 'id_ed25519');
      const server = await startSshd(dir, `${client.file}.pub`);
      cleanups.push(server.close);
      const cp = await startControlPlane(tempDir('cp-sshd'));
      cleanups.push(() => cp.proc.kill());
      await proveSshMachine(cp, 'ssh-b', server, client.file, path.join(dir, 'agent'), true);
    },
  );
});
