/**
 * Debian's nginx on a loopback port in front of control planes, configured by deploy/nginx.conf
 * itself (its upstream servers and listen line replaced), in a private prefix: for the replica
 * tests. `available` is false where nginx is not installed (.ci/run installs nginx-light).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
// @ts-expect-error plain ESM helper without types
import { root } from '../../scripts/lib/bootstrap.mjs';
import { Proc, tempDir, waitFor } from './fleet-harness.js';

const NGINX = '/usr/sbin/nginx';
export const nginxAvailable = fs.existsSync(NGINX);

export interface Nginx {
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** deploy/nginx.conf with these upstream ports and this listen address. */
export function renderSite(upstreamPorts: number[], listen: string): string {
  const site = fs.readFileSync(path.join(root as string, 'deploy', 'nginx.conf'), 'utf8');
  // Each line keeps the parameters deploy/nginx.conf gives its servers.
  const params = /^ {4}server 127\.0\.0\.1:\d+([^;\n]*);/m.exec(site)?.[1] ?? '';
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p}${params};`).join('\n');
  const rendered = site
    .replace(/(?:^ {4}server 127\.0\.0\.1:\d+[^\n]*\n)+/m, `${servers}\n`)
    .replace(/^ {4}listen 80;$/m, `    listen ${listen};`);
  if (rendered === site || !rendered.includes(servers) || !rendered.includes(`listen ${listen};`))
    throw new Error('deploy/nginx.conf no longer has the upstream servers and listen line this test replaces');
  return rendered;
}

export async function startNginx(upstreamPorts: number[]): Promise<Nginx> {
  const prefix = tempDir('nginx');
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${renderSite(upstreamPorts, `127.0.0.1:${port}`)}
}
`,
  );
  const test = spawnSync(NGINX, ['-t', '-p', prefix, '-c', conf], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t failed: ${test.stderr}`);
  const proc = new Proc(spawn(NGINX, ['-p', prefix, '-c', conf, '-g', 'daemon off;']));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => `nginx to listen\n${proc.output}`,
    async () => {
      if (!proc.alive) throw new Error(`nginx exited:\n${proc.output}`);
      return (await fetch(`${url}/api/health`).catch(() => null))?.ok;
    },
    30_000,
  );
  return {
    url,
    proc,
    async stop() {
      await proc.kill('SIGQUIT');
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
