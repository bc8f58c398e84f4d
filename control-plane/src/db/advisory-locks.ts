/**
 * Every PostgreSQL advisory lock key OpenASE uses, in one place so two never collide (each is a
 * process-wide mutex on the whole database cluster).
 */
export const ADVISORY_LOCKS = {
  /** Applying migrations (session lock on a dedicated connection). */
  migrations: 0x0a5e_0001,
  /** First-start bootstrap of the default organization and admin (transaction lock). */
  bootstrap: 0x0a5e_0002,
  /** The leader role among control-plane replicas (session lock, held while leading). */
  leader: 0x0a5e_0003,
} as const;
