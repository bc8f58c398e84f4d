/**
 * deploy/compose.yaml's nginx rewrites deploy/nginx.conf's upstream for its two replicas with `sed`. It wrote
 * `fail_timeout=10s`, the value replicas-nginx.test.ts had found wrong (back-to-back restarts left every replica
 * marked down and nginx answered 502 itself; deploy/nginx.conf says 3 s). Runs the compose file's own command
 * (no container daemon here) and holds its upstream to the tested settings.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const deploy = path.resolve(import.meta.dirname, '../../deploy');

/** The upstream's `server` lines' options (all but the address). */
function serverOptions(conf: string): string[] {
  return [...conf.matchAll(/^[ \t]*server[ \t]+[^ \t{]+[ \t]+([^;{]*);/gm)].map((m) => m[1]!.trim());
}

describe('deploy/compose.yaml', () => {
  it("points nginx at both replicas with deploy/nginx.conf's own upstream settings", () => {
    const compose = parse(fs.readFileSync(path.join(deploy, 'compose.yaml'), 'utf8')) as {
      services: { nginx: { command: string[] } };
    };
    const [shell, flag, script] = compose.services.nginx.command;
    expect([shell, flag]).toEqual(['sh', '-c']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-compose-'));
    try {
      // The container's paths, moved into a scratch folder; `exec nginx` replaced by the end of the script.
      const local = script!
        .replace('/openase/nginx.conf', path.join(deploy, 'nginx.conf'))
        .replace('/etc/nginx/conf.d/default.conf', path.join(dir, 'default.conf'))
        .replace(/&& exec nginx .*$/, '');
      const ran = spawnSync('sh', ['-c', local], { encoding: 'utf8' });
      expect(ran.status, ran.stderr).toBe(0);
      const conf = fs.readFileSync(path.join(dir, 'default.conf'), 'utf8');
      expect(conf).toMatch(/server openase-1:19836 /);
      expect(conf).toMatch(/server openase-2:19836 /);
      expect(conf).not.toMatch(/127\.0\.0\.1:1983/);
      const tested = new Set(serverOptions(fs.readFileSync(path.join(deploy, 'nginx.conf'), 'utf8')));
      expect(tested.size).toBe(1);
      expect(serverOptions(conf)).toEqual([...tested, ...tested]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
