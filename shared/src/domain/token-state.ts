/** Whether an API token still signs in, in the words the CLI and the console show: one rule for both. */
export function tokenState(
  t: { revokedAt: Date | string | null; expiresAt: Date | string | null },
  now = new Date(),
): 'revoked' | 'expired' | 'active' {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}
