import { describe, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { openDatabase } from '../db/database.js';
import { createPubSub, MAX_NOTIFY_BYTES } from './pubsub.js';
import { waitFor } from '@openase/test-kit/wait';

forEachDatabase('pubsub over LISTEN/NOTIFY', (get) => {
  it('delivers a notification to a listener and calls onReady once it listens', async () => {
    const pubsub = createPubSub(get().database);
    const got: string[] = [];
    let ready = 0;
    const stop = await pubsub.listen(
      'openase_test_a',
      (p) => got.push(p),
      () => ready++,
    );
    expect(ready).toBe(1);
    await pubsub.notify('openase_test_a', 'hello');
    await pubsub.notify('openase_test_a', '{"x":1}');
    await waitFor('both notifications', () => got.length === 2);
    expect(got).toEqual(['hello', '{"x":1}']);
    await stop();
    await pubsub.notify('openase_test_a', 'after');
    await pubsub.notify('openase_test_b', 'other channel');
    expect(got).toEqual(['hello', '{"x":1}']);
  });

  it('refuses bad channel names and oversized payloads before sending', async () => {
    const pubsub = createPubSub(get().database);
    await expect(pubsub.notify('Robert"); drop table x;--', 'x')).rejects.toThrow(/invalid NOTIFY channel/);
    await expect(pubsub.notify('openase_test_a', 'x'.repeat(MAX_NOTIFY_BYTES + 1))).rejects.toThrow(/limit is 7900/);
  });

  it('reaches another process connection on PostgreSQL', async (ctx) => {
    const { target } = get();
    if (target.kind !== 'postgres') return ctx.skip(); // PGlite has one process by construction
    const other = await openDatabase(target, { migrate: false });
    try {
      const got: string[] = [];
      const stop = await createPubSub(other).listen('openase_test_c', (p) => got.push(p));
      await createPubSub(get().database).notify('openase_test_c', 'across');
      await waitFor('the notification from the other connection', () => got.length === 1);
      expect(got).toEqual(['across']);
      await stop();
    } finally {
      await other.close();
    }
  });
});

describe('pubsub construction', () => {
  it('needs a database client', () => {
    expect(() =>
      createPubSub({
        kind: 'pglite',
        target: { kind: 'pglite', dataDir: null },
        db: null as never,
        raw: {},
        close: async () => {},
      }),
    ).toThrow(/neither/);
  });
});
