import { describe, expect, it } from 'vitest';
import { buildDaemonBundle, startDaemon } from '@openase/test-kit/daemon-process';
import { waitFor } from '@openase/test-kit/wait';
import { PROTOCOL_VERSION, type ControlFrame } from '@openase/shared/protocol/messages';
import { compareVersions } from '@openase/shared/version';
import { describeBehind } from './version.js';

const welcome = (max: number, version?: string): Extract<ControlFrame, { type: 'welcome' }> => ({
  type: 'welcome',
  sessionId: '00000000-0000-4000-8000-000000000000',
  machineId: '00000000-0000-4000-8000-000000000001',
  heartbeatMs: 1000,
  protocol: { min: 1, max },
  reconcile: [],
  ...(version ? { version } : {}),
});

describe('a daemon behind its control plane', () => {
  it('says so when the control plane speaks a newer protocol or is a newer release', () => {
    const own = { version: '0.3.0', protocol: 1 };
    expect(describeBehind(welcome(2, '0.3.0'), own)).toMatch(/speaks protocol 1, the control plane up to 2: upgrade/);
    expect(describeBehind(welcome(1, '0.10.0'), own)).toMatch(
      /\(0\.3\.0\) is older than the control plane \(0\.10\.0\)/,
    );
    expect(describeBehind(welcome(1, '0.3.0'), own)).toBeNull();
    expect(describeBehind(welcome(1, '0.2.9'), own)).toBeNull();
    expect(describeBehind(welcome(1), own)).toBeNull();
    expect(describeBehind(welcome(PROTOCOL_VERSION))).toBeNull();
  });

  it('compares versions by number, a pre-release first', () => {
    expect(compareVersions('0.10.0', '0.9.1')).toBe(1);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('v1.2', '1.2.0')).toBe(0);
  });
});

describe('the daemon process', () => {
  it('logs once that it is behind when a newer control plane welcomes it', async () => {
    const daemon = await startDaemon({ bundle: await buildDaemonBundle(), welcome: { protocol: { min: 1, max: 2 } } });
    try {
      await waitFor('the warning', () => /speaks protocol 1, the control plane up to 2: upgrade/.test(daemon.stderr()));
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});
