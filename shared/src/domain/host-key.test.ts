import { describe, expect, it } from 'vitest';
import { hostKeyView } from './host-key.js';

describe('SSH host key in words', () => {
  it('tells the four states apart', () => {
    expect(hostKeyView({ fingerprint: 'SHA256:a', seenFingerprint: 'SHA256:a' })).toMatchObject({ state: 'trusted' });
    expect(hostKeyView({ fingerprint: 'SHA256:a', seenFingerprint: null })).toMatchObject({ state: 'trusted' });
    expect(hostKeyView({ fingerprint: null, seenFingerprint: 'SHA256:b' })).toMatchObject({
      state: 'untrusted',
      summary: 'host key not trusted yet: the machine offers SHA256:b',
    });
    expect(hostKeyView({ fingerprint: null, seenFingerprint: null }).state).toBe('unread');
    const changed = hostKeyView({ fingerprint: 'SHA256:a', seenFingerprint: 'SHA256:b' });
    expect(changed.state).toBe('changed');
    expect(changed.summary).toBe('host key changed: trusted SHA256:a, the machine now offers SHA256:b');
    expect(changed.advice).toMatch(/refused until the new key is trusted/);
  });
});
