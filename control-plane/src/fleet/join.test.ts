import { expect, it } from 'vitest';
import { machines } from '../db/schema.js';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { authenticateMachine, createJoinToken, listMachines, redeemJoinToken, revokeMachine } from './join.js';

forEachDatabase('fleet join', (get) => {
  it('exchanges a join token once for a machine credential, with the token labels', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, { labels: ['linux', 'gpu'] });
    expect(join.token).toMatch(/^oaj_[0-9a-f]{12}_/);
    const { machine, credential } = await redeemJoinToken(deps, join.token, {
      name: 'box-1',
      labels: ['gpu'],
      slots: 4,
    });
    expect(machine).toMatchObject({ name: 'box-1', kind: 'reverse', slots: 4 });
    // The token's labels are a ceiling: the machine asked for one of them and has only that one.
    expect(machine.labels).toEqual(['gpu']);
    expect((await authenticateMachine(deps, credential)).id).toBe(machine.id);
    await expectCode(redeemJoinToken(deps, join.token, { name: 'box-2' }), 'UNAUTHORIZED', /already been used/);
    expect((await listMachines(deps.db, admin.orgId)).map((m) => m.name)).toEqual(['box-1']);
  });

  it('refuses expired, forged and malformed join tokens and duplicate names', async () => {
    const { deps, admin } = get();
    const past = { ...deps, clock: { now: () => new Date(Date.now() - 2 * 3600_000) } };
    const expired = await createJoinToken(past, admin, {});
    await expectCode(redeemJoinToken(deps, expired.token, { name: 'late' }), 'UNAUTHORIZED', /expired/);
    const good = await createJoinToken(deps, admin, { uses: 3 });
    await expectCode(
      redeemJoinToken(deps, `${good.token.slice(0, -3)}abc`, { name: 'forged' }),
      'UNAUTHORIZED',
      /not valid/,
    );
    await expectCode(redeemJoinToken(deps, 'oaj_nope', { name: 'x' }), 'UNAUTHORIZED', /malformed/);
    await redeemJoinToken(deps, good.token, { name: 'twin' });
    await expectCode(redeemJoinToken(deps, good.token, { name: 'twin' }), 'CONFLICT');
  });

  it('revoking a machine invalidates its credential with a reason', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const { credential } = await redeemJoinToken(deps, join.token, { name: 'doomed' });
    await revokeMachine(deps, admin, 'doomed');
    await expectCode(authenticateMachine(deps, credential), 'UNAUTHORIZED', /doomed has been revoked/);
    // Rejoining under the revoked name (a rotated credential): the refusal said "revoke the old one first".
    const again = await createJoinToken(deps, admin, {});
    await expectCode(
      redeemJoinToken(deps, again.token, { name: 'doomed' }),
      'CONFLICT',
      /"doomed" was revoked .*`openase machine delete doomed`, then join again/,
    );
    await expectCode(
      authenticateMachine(deps, 'oam_000000000000_aaaaaaaaaaaaaaaaaaaaaaaa'),
      'UNAUTHORIZED',
      /not valid/,
    );
    await expectCode(createJoinToken(deps, { ...admin, role: 'member' }, {}), 'FORBIDDEN');
  });

  it("refuses to revoke the server's own machine: nothing could bring it back (second new-user walkthrough)", async () => {
    const { deps, admin } = get();
    await deps.db
      .insert(machines)
      .values({ id: deps.ids.uuid(), orgId: admin.orgId, name: 'local', kind: 'local', createdAt: new Date() });
    await expectCode(revokeMachine(deps, admin, 'local'), 'CONFLICT', /the server's own machine and cannot be revoked/);
    expect((await listMachines(deps.db, admin.orgId)).find((m) => m.name === 'local')?.revokedAt).toBeNull();
  });

  it('refuses a machine credential past the lifetime its join token gave it', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, { credentialTtlSeconds: 3600 });
    const { credential } = await redeemJoinToken(deps, join.token, { name: 'short-lived' });
    expect((await authenticateMachine(deps, credential)).name).toBe('short-lived');
    const later = { ...deps, clock: { now: () => new Date(Date.now() + 2 * 3600_000) } };
    await expectCode(
      authenticateMachine(later, credential),
      'UNAUTHORIZED',
      /credential of machine short-lived expired at .*join again/,
    );
    // Without a lifetime, a credential does not expire.
    const forever = await redeemJoinToken(deps, (await createJoinToken(deps, admin, {})).token, { name: 'long-lived' });
    expect(
      (
        await authenticateMachine(
          { ...deps, clock: { now: () => new Date(Date.now() + 10 * 365 * 24 * 3600_000) } },
          forever.credential,
        )
      ).name,
    ).toBe('long-lived');
  });
});
