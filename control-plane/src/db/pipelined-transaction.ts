/**
 * A transaction on PostgreSQL whose BEGIN shares a round trip with its first statements. postgres.js's `begin` sends
 * BEGIN and waits for its answer before the work may issue anything, so every transaction paid a round trip for
 * BEGIN alone (a move, a claim: docs/performance.md). Here the work runs on a reserved connection as soon as BEGIN
 * is queued on it: BEGIN and the statements issued in the same tick go out in one write and run in that order.
 * (Were BEGIN itself to fail, the statements after it would run outside a transaction: BEGIN fails only with its
 * connection, and then so do they.)
 *
 * As postgres.js's own: the first statement that fails fails the transaction (its error, not the "current
 * transaction is aborted" of the ones after it), even when the work caught it; then ROLLBACK. A savepoint is a scope
 * of its own: its failure rolls back to it and the work around it may go on.
 */
import type postgres from 'postgres';

export interface TransactionScope {
  /** False once the scope's work has returned: a statement issued later would run after its COMMIT. */
  open: boolean;
  /** Each statement issued in the scope: the first to fail fails it. */
  track(query: PromiseLike<unknown>): void;
  savepoint(nameOrFn: unknown, fn?: Work): Promise<unknown>;
}

type Work = (sql: postgres.TransactionSql) => unknown;
/** The handle a scope's work gets for the reserved connection (prepared.ts: its statement-preparing proxy). */
export type ScopeHandle = (sql: postgres.ReservedSql, scope: TransactionScope) => postgres.TransactionSql;

const ABORTED = '25P02';

export async function pipelinedBegin(pool: postgres.Sql, options: string, work: Work, handle: ScopeHandle) {
  const reserved = await pool.reserve();
  let savepoints = 0;
  const run = async (fn: Work, name: string | null): Promise<unknown> => {
    let failed: unknown = null;
    const scope: TransactionScope = {
      open: true,
      track: (query) => {
        query.then(undefined, (err: unknown) => {
          failed ??= err;
        });
      },
      savepoint: (nameOrFn, inner) => {
        const label = typeof nameOrFn === 'string' ? `_${nameOrFn.replace(/[^a-z0-9_]/gi, '')}` : '';
        return run((typeof nameOrFn === 'function' ? nameOrFn : inner) as Work, `s${savepoints++}${label}`);
      },
    };
    scope.track(reserved.unsafe(name ? `savepoint ${name}` : `begin ${options.replace(/[^a-z ]/gi, '')}`));
    let result: unknown;
    try {
      result = await fn(handle(reserved, scope));
      scope.open = false;
      // Sent behind any statement still running: once it answers, every statement of the scope has.
      const closed = await reserved.unsafe(name ? `release savepoint ${name}` : 'commit');
      if (failed) throw failed; // PostgreSQL answered the COMMIT of a failed transaction with a ROLLBACK
      if (closed.command === 'ROLLBACK') throw new Error('the transaction was rolled back');
    } catch (err) {
      scope.open = false;
      await reserved.unsafe(name ? `rollback to ${name}` : 'rollback').catch(() => {}); // a dead connection: gone anyway
      throw (err as { code?: string }).code === ABORTED && failed ? failed : err;
    }
    return result;
  };
  try {
    return await run(work, null);
  } finally {
    reserved.release();
  }
}
