import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretCipher, loadOrCreateSecretKey, memorySecretCipher } from './cipher.js';

describe('secret cipher', () => {
  it('round-trips, uses a fresh IV per value and detects tampering', () => {
    const cipher = memorySecretCipher();
    const a = cipher.encrypt('sk-ant-123 ünïcode');
    const b = cipher.encrypt('sk-ant-123 ünïcode');
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-ant');
    expect(cipher.decrypt(a)).toBe('sk-ant-123 ünïcode');
    const parts = a.split(':');
    parts[3] = Buffer.from('forged').toString('base64url');
    expect(() => cipher.decrypt(parts.join(':'))).toThrow(/cannot be decrypted/);
    expect(() => memorySecretCipher().decrypt(a)).toThrow(/cannot be decrypted/);
    expect(() => cipher.decrypt('plain')).toThrow(/not an encrypted/);
  });

  it('creates the key file once with mode 0600 and reuses it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-key-'));
    const first = loadOrCreateSecretKey(home);
    expect(first.created).toBe(true);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSecretKey(home);
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
    const stored = createSecretCipher(first.key).encrypt('v');
    expect(createSecretCipher(second.key).decrypt(stored)).toBe('v');
    fs.chmodSync(first.file, 0o644);
    expect(() => loadOrCreateSecretKey(home)).toThrow(/readable by others/);
    fs.writeFileSync(first.file, 'short\n', { mode: 0o600 });
    fs.chmodSync(first.file, 0o600);
    expect(() => loadOrCreateSecretKey(home)).toThrow(/32-byte/);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
