/**
 * Where an SSH machine's host key stands, in words a person reads (the console and the CLI say
 * the same; the CLI adds its command). From the machine's `ssh` fields: `fingerprint` is the
 * trusted (pinned) key, `seenFingerprint` the key the last connection attempt was offered.
 */
export type HostKeyState = 'trusted' | 'untrusted' | 'unread' | 'changed';

export interface HostKeyView {
  state: HostKeyState;
  /** One line: what is wrong (or "trusted"). */
  summary: string;
  /** What to do about it, without any command name. */
  advice: string | null;
}

export function hostKeyView(ssh: { fingerprint: string | null; seenFingerprint: string | null }): HostKeyView {
  const { fingerprint: pinned, seenFingerprint: seen } = ssh;
  if (pinned && seen && seen !== pinned)
    return {
      state: 'changed',
      summary: `host key changed: trusted ${pinned}, the machine now offers ${seen}`,
      advice:
        'Connections are refused until the new key is trusted. Trust it only if you know why it changed ' +
        '(the machine was reinstalled or its SSH keys were replaced); otherwise something may be in between.',
    };
  if (pinned) return { state: 'trusted', summary: `host key trusted (${pinned})`, advice: null };
  if (seen)
    return {
      state: 'untrusted',
      summary: `host key not trusted yet: the machine offers ${seen}`,
      advice: 'Trust it if it is the key of this machine; nothing runs there until then.',
    };
  return {
    state: 'unread',
    summary: 'host key not read yet: the machine could not be reached over SSH',
    advice:
      "Check the machine's address and port and that its SSH server runs; the key is read again on the next " +
      'attempt. Or enter the key you expect (SHA256:…) to trust it now.',
  };
}
