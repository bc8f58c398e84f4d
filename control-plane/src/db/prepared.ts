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
import { pipelinedBegin, type TransactionScope } from './pipelined-transaction.js';

type Work = (sql: postgres.TransactionSql) => unknown;

/**
 * `sql` with every statement prepared, and its transactions begun in their first statements' round trip
 * (pipelined-transaction.ts). In a transaction or savepoint, a statement issued after its work has returned is
 * refused: the COMMIT has been sent by then, so the statement would run outside the transaction
 * (kernel/transaction.ts `commitWith` relies on this check to stay honest).
 */
export function preparing(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') return preparedUnsafe(target, null);
      if (prop === 'begin')
        return (...args: unknown[]) => {
          const work = args.pop() as Work;
          return pipelinedBegin(target, (args[0] as string | undefined) ?? '', work, inScope);
        };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** What a transaction's (or a savepoint's) work gets: its statements prepared, tracked, refused once it is closed. */
function inScope(sql: postgres.ReservedSql, scope: TransactionScope): postgres.TransactionSql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') return preparedUnsafe(target, scope);
      if (prop === 'savepoint') return scope.savepoint;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as unknown as postgres.TransactionSql;
}

function preparedUnsafe(target: postgres.Sql, scope: TransactionScope | null) {
  return (query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) => {
    if (scope && !scope.open)
      throw new Error(`a statement was issued after its transaction's work returned: ${query.slice(0, 80)}`);
    const statement = target.unsafe(query, args as postgres.ParameterOrJSON<never>[], { ...options, prepare: true });
    scope?.track(statement);
    return statement;
  };
}
