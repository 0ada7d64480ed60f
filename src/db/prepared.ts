// Statements through drizzle on postgres.js run as unnamed ones (drizzle passes prepare: false
// unless a query is given a name), so PostgreSQL planned every execution anew: measured on a
// 50k-entity city load, planning was ~9 % of all statement time and the whole cost of the
// small hot ones (a notice's delivery view: 4.3 ms of planning for 0.3 ms of work, 62,000
// notices at city scale). postgres.js's own default is to prepare every parameterised query
// once per connection; this restores it under drizzle. PostgreSQL then reuses a plan after a
// few executions where the generic plan costs no more than the custom ones (statements over
// partitioned events stay custom-planned: their pruning depends on the times).
//
// Statement texts are finite (SQL is code; ids and lists travel as parameters), and a
// connection's prepared statements end with it.
import type postgres from "postgres";

type Client = postgres.Sql | postgres.TransactionSql;
type Unsafe = (query: string, params?: unknown[], options?: { prepare?: boolean }) => unknown;
type Scoped = (...args: unknown[]) => Promise<unknown>;

/** The client as drizzle sees it: parameterised statements prepared, in transactions and savepoints too. */
export function preparedByDefault<T extends Client>(client: T): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "unsafe") {
        const unsafe = value as Unsafe;
        return (query: string, params: unknown[] = [], options: { prepare?: boolean } = {}) =>
          unsafe.call(target, query, params, { ...options, prepare: params.length > 0 });
      }
      if (prop === "begin" || prop === "savepoint") {
        // The callback is the last argument (begin(options?, fn), savepoint(name?, fn)).
        const scoped = value as Scoped;
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          return scoped.call(target, ...args, (tx: postgres.TransactionSql) => fn(preparedByDefault(tx)));
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
