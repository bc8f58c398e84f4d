/**
 * Keeps every SSH machine connected: ssh2 client with a `hostVerifier` (without one ssh2 accepts
 * ANY host key), the daemon bundle uploaded when missing or stale (SHA-256 compare), then
 * `node <dir>/openase-agent.cjs stdio` over an exec channel carrying the protocol as JSON lines.
 * Connection loss is retried with backoff (1 s doubling to 64 s); an unconfirmed or changed host
 * key is refused and logged with the fingerprint seen, until `openase machine trust`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { and, eq, isNull } from 'drizzle-orm';
import { Client, type ClientChannel } from 'ssh2';
import { backoffDelay, LineSplitter, shellQuote } from '@openase/shared';
import { machines } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { FleetHub } from './hub.js';
import { connectLines } from './line-transport.js';
import type { Logger } from '../kernel/logger.js';
import { recordSeenHostKey, sshFingerprint, type SshSettings } from './ssh-machines.js';

const DEFAULT_REMOTE_DIR = '.openase-agent';

interface Link {
  client: Client | null;
  timer: NodeJS.Timeout | null;
  attempt: number;
  stopped: boolean;
}

/** Connects once to read the server's host key fingerprint (nothing is authenticated). */
export function probeHostKey(host: string, port: number, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: string | null = null;
    client.on('error', (err) =>
      seen ? resolve(seen) : reject(new Error(`cannot reach ${host}:${port}: ${err.message}`)),
    );
    client.connect({
      host,
      port,
      username: 'probe',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = sshFingerprint(key);
        resolve(seen);
        return false;
      },
    });
  });
}

export class SshConnector {
  private readonly links = new Map<string, Link>();

  constructor(
    private readonly deps: Deps,
    private readonly hub: FleetHub,
    private readonly opts: { bundle: () => string | null },
  ) {
    this.log = deps.log.child({ component: 'ssh' });
  }

  private readonly log: Logger;

  /** Starts (or restarts now) the connection of every SSH machine that is not revoked. */
  async start(): Promise<void> {
    const rows = await this.deps.db
      .select({ id: machines.id })
      .from(machines)
      .where(and(eq(machines.kind, 'ssh'), isNull(machines.revokedAt)));
    for (const r of rows) this.refresh(r.id);
  }

  /** (Re)connects a machine now: after add, trust, or to retry at once. */
  refresh(machineId: string): void {
    let link = this.links.get(machineId);
    if (!link) {
      link = { client: null, timer: null, attempt: 0, stopped: false };
      this.links.set(machineId, link);
    }
    if (link.timer) clearTimeout(link.timer);
    link.timer = null;
    link.attempt = 0;
    link.client?.end();
    link.client = null;
    void this.connect(machineId, link);
  }

  stop(): void {
    for (const link of this.links.values()) {
      link.stopped = true;
      if (link.timer) clearTimeout(link.timer);
      link.client?.end();
    }
  }

  private retry(machineId: string, link: Link, client: Client): void {
    if (link.stopped || link.client !== client) return;
    link.client = null;
    const delay = backoffDelay(link.attempt++, { baseMs: 1000, maxMs: 64_000, jitter: true });
    link.timer = setTimeout(() => void this.connect(machineId, link), delay);
    link.timer.unref();
  }

  private async connect(machineId: string, link: Link): Promise<void> {
    const [m] = await this.deps.db.select().from(machines).where(eq(machines.id, machineId));
    if (!m || !m.ssh || m.revokedAt || link.stopped) return;
    const ssh = m.ssh;
    const name = m.name;
    const bundle = this.opts.bundle();
    if (!bundle)
      return this.log.warn(
        { machine: name },
        `ssh ${name}: the daemon bundle is not built; cannot start the daemon there`,
      );
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(ssh.keyPath);
    } catch (err) {
      return this.log.warn(
        { machine: name },
        `ssh ${name}: cannot read the key ${ssh.keyPath}: ${(err as Error).message}`,
      );
    }
    const client = new Client();
    link.client = client;
    let refusedKey = false;
    client.on('error', (err) => {
      if (!refusedKey) this.log.warn({ machine: name }, `ssh ${name}: ${err.message}`);
      this.retry(machineId, link, client);
    });
    client.on('close', () => this.retry(machineId, link, client));
    client.on('ready', () => {
      void this.startDaemon(client, m, ssh, bundle).catch((err: Error) => {
        this.log.warn({ machine: name }, `ssh ${name}: starting the daemon failed: ${err.message}`);
        client.end();
      });
    });
    // ssh2 throws at once (not as an 'error' event) on a key it cannot parse: unhandled, that stopped the server.
    try {
      this.connectClient(client, machineId, ssh, name, privateKey, () => (refusedKey = true));
    } catch (err) {
      link.client = null;
      this.log.warn(
        { machine: name },
        `ssh ${name}: cannot use the key ${ssh.keyPath}: ${(err as Error).message}; fix the key file, then confirm the machine again (machine trust) or restart the server`,
      );
    }
  }

  private connectClient(
    client: Client,
    machineId: string,
    ssh: SshSettings,
    name: string,
    privateKey: Buffer,
    refused: () => void,
  ): void {
    client.connect({
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      privateKey,
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const fp = sshFingerprint(key);
        void recordSeenHostKey(this.deps, machineId, fp);
        if (ssh.fingerprint === fp) return true;
        refused();
        if (!ssh.fingerprint)
          this.log.warn(
            { machine: name },
            `ssh ${name}: host key ${fp} is not confirmed; if it is right, run \`openase machine trust ${name}\``,
          );
        else
          this.log.error(
            { machine: name },
            `ssh ${name}: REFUSED: the host key changed (pinned ${ssh.fingerprint}, server offered ${fp}); if the change is expected, run \`openase machine trust ${name} --fingerprint ${fp}\``,
          );
        return false;
      },
    });
  }

  private async startDaemon(
    client: Client,
    m: typeof machines.$inferSelect,
    ssh: SshSettings,
    bundle: string,
  ): Promise<void> {
    const dir = shellPath(ssh.remoteDir ?? DEFAULT_REMOTE_DIR);
    const content = fs.readFileSync(bundle);
    const hash = createHash('sha256').update(content).digest('hex');
    const remote = await execText(
      client,
      `mkdir -p ${dir} && (sha256sum ${dir}/openase-agent.cjs 2>/dev/null || true)`,
    );
    if (!remote.startsWith(hash)) {
      this.log.info(
        { machine: m.name },
        `ssh ${m.name}: uploading the daemon bundle (${content.length} bytes) to ${dir}/openase-agent.cjs`,
      );
      await execText(
        client,
        `cat > ${dir}/openase-agent.cjs.tmp && mv ${dir}/openase-agent.cjs.tmp ${dir}/openase-agent.cjs`,
        content,
      );
    }
    const cmd = `exec node ${dir}/openase-agent.cjs stdio --home ${dir}/home --slots ${m.slots}${m.labels.length ? ` --labels ${shellQuote(m.labels.join(','))}` : ''}`;
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(cmd, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    const transport = connectLines(this.hub, m, {
      input: channel,
      write: (line) => channel.write(line),
      end: (_code, reason) => {
        this.log.info({ machine: m.name }, `ssh ${m.name}: closing the daemon channel (${reason})`);
        client.end();
      },
    });
    channel.stderr.setEncoding('utf8');
    const stderr = new LineSplitter((line) => this.log.info({ machine: m.name }, `[ssh ${m.name}] ${line}`));
    channel.stderr.on('data', (chunk: string) => stderr.push(chunk));
    channel.stderr.on('end', () => stderr.end());
    channel.on('close', () => {
      transport.closed();
      client.end();
    });
    const link = this.links.get(m.id);
    if (link) link.attempt = 0;
  }
}

function execText(client: Client, cmd: string, input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      let out = '';
      let errOut = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
      ch.on('exit', (code: number | null) => {
        if (code) reject(new Error(`\`${cmd.slice(0, 80)}\` failed (exit ${code}): ${errOut.trim().slice(0, 300)}`));
      });
      ch.on('close', () => resolve(out));
      if (input) ch.end(input);
      else ch.end();
    });
  });
}

/** A remote path: relative ones are under the login's home (`~` is not expanded in quotes). */
function shellPath(p: string): string {
  return p.startsWith('/') ? shellQuote(p) : `"$HOME"/${shellQuote(p)}`;
}
