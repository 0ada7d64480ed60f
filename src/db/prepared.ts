// Statements through drizzle on postgres.js run as unnamed ones (drizzle passes prepare: false
// unless a query is given a name), so PostgreSQL planned every execution anew: measured on a
// 50k-entity city load, planning was ~8 % of all statement time and the whole cost of the
// small hot ones (a notice's delivery view: 4.3 ms of planning for 0.3 ms of work, 62,000
// notices at city scale). Here a parameterised statement is prepared once per connection from
// its second execution on; PostgreSQL then reuses a plan after a few executions where the
// generic plan costs no more than the custom ones (statements over partitioned events stay
// custom-planned: their pruning depends on the times).
//
// Only texts seen before are prepared: a few statements inline a value in their text (a full
// run's staged table names its run), and preparing each of those would keep one more statement
// on the connection, in PostgreSQL and in postgres.js, at every call (a city load grew the worker
// to 1 GB so, when the features statement still inlined its as-of instant). A prepared
// statement ends with its connection; postgres.js replaces each connection after 30-60 minutes.
import { createHash } from "node:crypto";
import type postgres from "postgres";

type Client = postgres.Sql | postgres.TransactionSql;
type Unsafe = (query: string, params?: unknown[], options?: { prepare?: boolean }) => unknown;
type Scoped = (...args: unknown[]) => Promise<unknown>;

/** Statement texts remembered (by digest) to tell a repeated text from a one-off. */
const REMEMBERED_TEXTS = 2_000;

/** Digests of recently run statement texts, least recently seen first. */
export class SeenTexts {
  private readonly seen = new Map<string, true>();
  constructor(private readonly limit = REMEMBERED_TEXTS) {}

  /** Whether this text was seen before; remembers it either way. */
  repeated(text: string): boolean {
    const key = createHash("sha1").update(text).digest("base64");
    const before = this.seen.delete(key);
    this.seen.set(key, true);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value!);
    return before;
  }
}

/** The client as drizzle sees it: repeated parameterised statements prepared, in transactions and savepoints too. */
export function preparedWhenRepeated<T extends Client>(client: T, seen = new SeenTexts()): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "unsafe") {
        const unsafe = value as Unsafe;
        return (query: string, params: unknown[] = [], options: { prepare?: boolean } = {}) =>
          unsafe.call(target, query, params, { ...options, prepare: params.length > 0 && seen.repeated(query) });
      }
      if (prop === "begin" || prop === "savepoint") {
        // The callback is the last argument (begin(options?, fn), savepoint(name?, fn)).
        const scoped = value as Scoped;
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          return scoped.call(target, ...args, (tx: postgres.TransactionSql) => fn(preparedWhenRepeated(tx, seen)));
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
