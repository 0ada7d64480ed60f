// The database handle: PGlite (embedded default) or PostgreSQL through postgres.js, behind
// one drizzle type. Domain code uses `db.orm` and `db.rows`; only the db layer may reach the
// raw client (`db.raw`) for hot paths such as COPY.
import { PGlite } from "@electric-sql/pglite";
import { randomBytes } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { sql as query, type SQL } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import postgres from "postgres";
import * as schema from "./schema.js";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.js";
import { preparedWhenRepeated } from "./prepared.js";

export type Schema = typeof schema;
export type Orm = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a query can run on: the database or an open transaction. */
export type Executor = Orm | Tx;

export type RawClient = { kind: "pglite"; client: PGlite } | { kind: "postgres"; sql: postgres.Sql; url: string };

export interface Database {
  kind: "pglite" | "postgres";
  orm: Orm;
  raw: RawClient;
  /** Raw SQL with rows normalised across drivers. */
  rows<T extends Record<string, unknown>>(query: SQL, on?: Executor): Promise<T[]>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /**
   * This handle's session tag: PostgreSQL sees it as the application_name of every connection
   * the handle opens, so a claim stamped with it can be told apart from a dead process's.
   */
  sessionTag: string;
  /**
   * Whether the handle tagged so still holds the database: PostgreSQL lists its connections
   * while its process lives (the kernel closes them when the process dies, even by kill -9);
   * PGlite is one process at a time, so only this handle's own tag is alive.
   */
  sessionAlive(tag: string): Promise<boolean>;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: "postgres"; url: string; maxConnections?: number }
  /**
   * dataDir "memory://" keeps everything in memory (tests); `template` starts it from a
   * dumpDataDir() tarball instead of running initdb, which is most of PGlite's start-up time
   * (on a real data dir: a restore into a new one).
   */
  | { kind: "pglite"; dataDir: string; template?: Blob };

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  const sessionTag = `csg-${randomBytes(12).toString("hex")}`;
  if (target.kind === "postgres") {
    const sql = postgres(target.url, {
      max: target.maxConnections ?? 10,
      onnotice: () => {},
      // Timestamps come back as Date, jsonb as objects; bigint counts as numbers below 2^53.
      types: { bigint: postgres.BigInt },
      // JIT off for every session: our big statements (features, full runs) are wide CTE queries
      // whose cost estimates trip jit_above_cost, and compiling them took longer than running
      // them (a full-run features pass: 27 s with JIT, 8 s without; bench/results/reclassify.md).
      connection: { jit: "off", application_name: sessionTag },
      // Reconnect soon after a lost connection: queries wait for the reconnect, and the
      // driver's default backoff (up to 20 s) turns a database restart into hung requests
      // instead of a fast 503 (a refused reconnect fails its query at once).
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
    });
    const orm = drizzlePostgres({ client: preparedWhenRepeated(sql), schema }) as unknown as Orm;
    return wrap("postgres", orm, { kind: "postgres", sql, url: target.url }, sessionTag, () => sql.end({ timeout: 5 }));
  }
  let lock: DataDirLock | undefined;
  let client: PGlite;
  if (target.dataDir === "memory://") {
    client = await PGlite.create(target.template ? { loadDataDir: target.template } : {});
  } else {
    lock = acquireDataDirLock(target.dataDir);
    try {
      // A template here fills a new data directory (a restore); PGlite refuses one that holds a database.
      client = await PGlite.create(`${target.dataDir}/pgdata`, target.template ? { loadDataDir: target.template } : {});
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  yieldBeforeEachStatement(client);
  const orm = drizzlePglite({ client, schema }) as unknown as Orm;
  return wrap("pglite", orm, { kind: "pglite", client }, sessionTag, async () => {
    await client.close();
    lock?.release();
  });
}

/**
 * PGlite executes a statement synchronously on this thread and settles its promise as a
 * microtask, so a loop of statements (a full run's chunks, a job draining a queue) never gave
 * the event loop a turn: no HTTP request was taken, no timer fired, until the loop ended (a
 * full run over 3,000 entities froze the embedded gateway for 8 s). Every top-level query and
 * transaction now first waits for the event loop's next turn, so what waits (a request, the
 * admin socket) gets its turn on the database between two of them. Statements inside a
 * transaction run on its own handle and do not wait: the transaction holds the database.
 */
function yieldBeforeEachStatement(client: PGlite): void {
  const own = client as unknown as Record<"query" | "exec" | "transaction", (...args: unknown[]) => Promise<unknown>>;
  for (const name of ["query", "exec", "transaction"] as const) {
    const original = own[name].bind(client);
    own[name] = async (...args: unknown[]) => {
      await nextTurn();
      return original(...args);
    };
  }
}

function wrap(kind: Database["kind"], orm: Orm, raw: RawClient, sessionTag: string, close: () => Promise<void>): Database {
  let closed = false;
  return {
    kind,
    orm,
    raw,
    async rows<T extends Record<string, unknown>>(query: SQL, on: Executor = orm) {
      return rowsOf<T>(await on.execute(query));
    },
    transaction: (fn) => orm.transaction(fn),
    async ping() {
      await orm.execute("select 1" as unknown as SQL);
    },
    sessionTag,
    async sessionAlive(tag) {
      if (tag === sessionTag) return true;
      if (kind === "pglite") return false;
      const [row] = rowsOf<{ alive: boolean }>(
        await orm.execute(query`select exists (select 1 from pg_stat_activity where application_name = ${tag}) as alive`),
      );
      return row?.alive === true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

/** postgres.js returns an array of rows; PGlite returns `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A timestamp as the drivers return it (postgres.js: Date; PGlite: Date or text), in ISO 8601. */
export function isoTime(v: Date | string): string {
  return new Date(v).toISOString();
}

/** isoTime for a nullable column. */
export function isoTimeOrNull(v: Date | string | null | undefined): string | null {
  return v === null || v === undefined ? null : isoTime(v);
}
