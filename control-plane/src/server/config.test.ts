import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsTokenFromEnv, resolveServerConfig } from './config.js';

describe('server config', () => {
  it('takes the flag over the environment over the default', () => {
    expect(resolveServerConfig({}, {})).toMatchObject({
      port: 19836,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:19836',
      publicUrlConfigured: false,
      trustProxy: false,
      rateLimits: { perSecond: 300, burst: 3000 },
      localMachine: true,
      chatIdleMinutes: 60,
    });
    expect(
      resolveServerConfig({}, { OPENASE_PORT: '8080', OPENASE_CHAT_IDLE_MINUTES: '0', OPENASE_LOCAL_MACHINE: '0' }),
    ).toMatchObject({ port: 8080, chatIdleMinutes: 0, localMachine: false });
    expect(
      resolveServerConfig(
        { port: '9000', chatIdleMinutes: '15' },
        { OPENASE_PORT: '8080', OPENASE_CHAT_IDLE_MINUTES: '0' },
      ),
    ).toMatchObject({ port: 9000, chatIdleMinutes: 15 });
    // An empty variable is unset.
    expect(resolveServerConfig({}, { OPENASE_CHAT_IDLE_MINUTES: '', OPENASE_LOCAL_SLOTS: '' })).toMatchObject({
      chatIdleMinutes: 60,
    });
    expect(resolveServerConfig({}, {}).localSlots).toBeUndefined();
    expect(resolveServerConfig({}, { OPENASE_LOCAL_SLOTS: '3' }).localSlots).toBe(3);
    expect(
      resolveServerConfig(
        { host: '0.0.0.0', publicUrl: 'https://ase.example.com/', trustProxy: true },
        { OPENASE_PUBLIC_URL: 'http://other', OPENASE_RATE_LIMIT: '50/100' },
      ),
    ).toMatchObject({
      host: '0.0.0.0',
      publicUrl: 'https://ase.example.com',
      publicUrlConfigured: true,
      trustProxy: true,
      rateLimits: { perSecond: 50, burst: 100 },
    });
    expect(resolveServerConfig({}, { OPENASE_RATE_LIMIT: 'off', OPENASE_TRUST_PROXY: '1' })).toMatchObject({
      rateLimits: null,
      trustProxy: true,
    });
  });

  it('refuses values that are not numbers in range, saying which', () => {
    expect(() => resolveServerConfig({ publicUrl: 'ase.example.com' }, {})).toThrow(/must be an absolute URL/);
    expect(() => resolveServerConfig({}, { OPENASE_RATE_LIMIT: 'lots' })).toThrow(/OPENASE_RATE_LIMIT must be/);
    expect(() => resolveServerConfig({ port: '70000' }, {})).toThrow(
      /port must be a number from 0 to 65535, got "70000"/,
    );
    for (const bad of ['0', '2.5', 'many', '65'])
      expect(() => resolveServerConfig({}, { OPENASE_LOCAL_SLOTS: bad })).toThrow(
        `OPENASE_LOCAL_SLOTS must be a whole number from 1 to 64, got "${bad}"`,
      );
    for (const bad of ['-1', 'soon', ' '])
      expect(() => resolveServerConfig({ chatIdleMinutes: bad }, {})).toThrow(
        `chat idle minutes must be a number ≥ 0 (0 = never close), got "${bad}"`,
      );
  });

  it('reads the metrics token file, and names the setting when it cannot (operations walkthrough)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-metrics-token-'));
    try {
      const file = path.join(dir, 'metrics.token');
      fs.writeFileSync(file, 'the-token\nignored\n');
      expect(metricsTokenFromEnv({ OPENASE_METRICS_TOKEN_FILE: file })).toBe('the-token');
      // The doc's /etc/openase/… path before the file was written: the start said only "ENOENT: no such file…".
      expect(() => metricsTokenFromEnv({ OPENASE_METRICS_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(
        /^OPENASE_METRICS_TOKEN_FILE \S+missing cannot be read \(ENOENT.*\): write the token as its first line/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
