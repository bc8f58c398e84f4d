/**
 * Sessions whose credential expired or was revoked (here or on another replica) are closed with
 * 4401: a credential's end ends the session it opened, not only the next connection.
 */
import { and, inArray, isNotNull } from 'drizzle-orm';
import { machineCredentials } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import { endSession, type Session } from './session.js';

export class SessionCredentialCheck {
  /** Revocations are looked up at most once a heartbeat interval; expiry is checked on every pass. */
  private checkedAt = 0;

  constructor(
    private readonly deps: Deps,
    private readonly log: Logger,
    private readonly heartbeatMs: number,
  ) {}

  async closeEnded(sessions: Iterable<Session>): Promise<void> {
    const now = Date.now();
    const open = [...sessions].filter((s) => s.credential && !s.closed);
    for (const s of open)
      if (s.credential!.expiresAt && s.credential!.expiresAt.getTime() <= this.deps.clock.now().getTime())
        endSession(this.log, s, `the credential of machine ${s.machineName} expired; join again with a new join token`);
    if (now - this.checkedAt < this.heartbeatMs) return;
    this.checkedAt = now;
    const ids = open.filter((s) => !s.closed).map((s) => s.credential!.id);
    if (!ids.length) return;
    const revoked = await this.deps.db
      .select({ id: machineCredentials.id })
      .from(machineCredentials)
      .where(and(inArray(machineCredentials.id, ids), isNotNull(machineCredentials.revokedAt)));
    const gone = new Set(revoked.map((r) => r.id));
    for (const s of open)
      if (!s.closed && gone.has(s.credential!.id))
        endSession(this.log, s, `machine ${s.machineName} has been revoked; join again with a new join token`);
  }
}
