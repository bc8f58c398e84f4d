/**
 * Randomized kill -9 / restart cycles of the daemon and the control plane with runs streaming:
 * every run ends succeeded with each of its lines stored exactly once, in order. The same code
 * is the `kill-restart` benchmark scenario (100 cycles there, a few here).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildBundles, tempDir } from '@openase/test-kit/fleet-harness';
import { createMigratedPostgres, postgresUrl } from '@openase/test-kit/databases';
import { seedDataDir } from '@openase/test-kit/database-templates';
// @ts-expect-error plain ESM scenario without types
import { auditLines, killRestartCycles } from '../../scripts/bench/scenarios/kill-restart.mjs';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 60_000 });

const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

type Audit = (
  events: Array<{ seq: number; event: { type: string; stream?: string; text?: string } }>,
  lines: number,
) => { lost: number; duplicated: number; outOfOrder: number; seqFaults: number };

describe('the kill/restart audit', () => {
  it('counts lost, duplicated and reordered lines and seq faults', () => {
    const out = (seq: number, n: number) => ({ seq, event: { type: 'output', stream: 'stdout', text: `line ${n}` } });
    const audit = auditLines as Audit;
    expect(audit([out(1, 1), out(2, 2), out(3, 3)], 3)).toEqual({
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      seqFaults: 0,
    });
    expect(audit([out(1, 1), out(2, 3), out(3, 3), out(5, 2)], 4)).toEqual({
      lost: 1,
      duplicated: 1,
      outOfOrder: 1,
      seqFaults: 1,
    });
  });
});

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(
    `kill -9 and restart, daemon and control plane at random [${kind}]`,
    () => {
      it('loses and duplicates no event over the cycles, and every run succeeds', async () => {
        buildBundles();
        let databaseUrl: string | null = null;
        // The server starts on a copy of the migrated template, like the other test servers.
        const home = tempDir('chaos-cp');
        if (kind === 'postgres') {
          const scratch = await createMigratedPostgres();
          drops.push(scratch.drop);
          databaseUrl = scratch.url;
        } else seedDataDir(home);
        const result = await killRestartCycles({
          databaseUrl,
          home,
          cycles: 6,
          runs: 2,
          lines: 1500,
          seed: kind === 'pglite' ? 7 : 11,
        });
        expect(result).toMatchObject({
          allEnded: true,
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
          seqFaults: 0,
          notSucceededCount: 0,
        });
        expect(result.kills.daemon + result.kills.controlPlane).toBe(6);
      });
    },
  );
}
