/**
 * Statements prepared on PostgreSQL. drizzle hands every statement to postgres.js's `unsafe(…, { prepare: false })`
 * (only a query given a name with `.prepare(name)` is prepared), and postgres.js sends an unprepared statement that
 * has parameters in two round trips: Parse and Describe, then, once the server has said the parameters' types, Bind
 * and Execute. Until those types are back it writes nothing else on the connection, so statements issued together
 * were not pipelined either (docs/performance.md). Prepared, a statement is parsed once per connection and every
 * later use is one round trip that pipelines. postgres.js keeps a connection's statements by their text and replaces
 * the connection after its `max_lifetime`, which bounds that cache.
 */
import type postgres from 'postgres';

type Client = postgres.Sql | postgres.TransactionSql;
type Scoped = (sql: postgres.TransactionSql) => unknown;

/**
 * `sql` with every statement prepared, in transactions and savepoints too. In a transaction or savepoint, a statement
 * issued after its work has returned is refused: postgres.js has sent the COMMIT by then, so the statement would run
 * outside the transaction (kernel/transaction.ts `commitWith` relies on this check to stay honest).
 */
export function preparing<T extends Client>(sql: T, scope?: { open: boolean }): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'unsafe')
        return (query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) => {
          if (scope && !scope.open)
            throw new Error(`a statement was issued after its transaction's work returned: ${query.slice(0, 80)}`);
          return target.unsafe(query, args as postgres.ParameterOrJSON<never>[], { ...options, prepare: true });
        };
      // begin([options,] fn) and savepoint([name,] fn): the scoped handle `fn` gets prepares as well.
      if (prop === 'begin' || prop === 'savepoint')
        return (...args: unknown[]) => {
          const fn = args.pop() as Scoped;
          return (value as (...a: unknown[]) => unknown).call(
            target,
            ...args,
            async (scoped: postgres.TransactionSql) => {
              const inner = { open: true };
              try {
                return await fn(preparing(scoped, inner));
              } finally {
                inner.open = false;
              }
            },
          );
        };
      return value;
    },
  });
}
