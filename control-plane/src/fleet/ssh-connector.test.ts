/**
 * Replay of a fault: an SSH machine whose key file is not a key made ssh2 throw inside the connector, an
 * unhandled rejection that stopped the whole control plane. Now it is a warning and the process goes on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { captureLogger } from '../kernel/logger.js';
import { machines } from '../db/schema.js';
import type { FleetHub } from './hub.js';
import { SshConnector } from './ssh-connector.js';

forEachDatabase('ssh connector', (get) => {
  it('warns about a key it cannot parse instead of crashing', async () => {
    const { deps, admin } = get();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-badkey-'));
    const keyPath = path.join(dir, 'id');
    fs.writeFileSync(keyPath, 'not a key\n', { mode: 0o600 });
    const id = deps.ids.uuid();
    await deps.db.insert(machines).values({
      id,
      orgId: admin.orgId,
      name: 'far',
      kind: 'ssh',
      labels: [],
      ssh: { host: '127.0.0.1', port: 9, user: 'x', keyPath, fingerprint: null, seenFingerprint: null },
      createdAt: new Date(),
    });
    const capture = captureLogger();
    const connector = new SshConnector({ ...deps, log: capture.log }, {} as FleetHub, { bundle: () => keyPath });
    const rejections: unknown[] = [];
    const onRejection = (err: unknown) => rejections.push(err);
    process.on('unhandledRejection', onRejection);
    try {
      connector.refresh(id);
      await expect
        .poll(() => capture.lines().join('\n'), { timeout: 10_000 })
        .toMatch(/ssh far: cannot use the key .*id: Cannot parse privateKey/);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      connector.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
