// One fresh, migrated database per test file: an in-memory PGlite by default, or a new
// database on the PostgreSQL named by DATABASE_URL (CI runs every suite both ways).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";

export const usingPostgres = (): boolean => Boolean(process.env.DATABASE_URL);
export const usingRedis = (): boolean => Boolean(process.env.REDIS_URL);

export interface TestDatabase {
  db: Database;
  /** Connection URL of the per-file PostgreSQL database (undefined on PGlite). */
  url: string | undefined;
  /** Reopens a second handle on the same database (a "restarted process"). PostgreSQL only. */
  reopen(): Promise<Database>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // Start from the run's migrated template when there is one; migrate() then finds nothing
    // to do (and still applies anything newer, so a stale template cannot hide a migration).
    const templatePath = inject("pgliteTemplate");
    const template = templatePath && existsSync(templatePath) ? new Blob([readFileSync(templatePath)]) : undefined;
    const db = await openDatabase({ kind: "pglite", dataDir: "memory://", ...(template ? { template } : {}) });
    await migrate(db);
    return {
      db,
      url: undefined,
      reopen: () => Promise.reject(new Error("an in-memory PGlite cannot be reopened; use a data dir")),
      drop: () => db.close(),
    };
  }
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 5 });
  await migrate(db);
  return {
    db,
    url: url.toString(),
    reopen: () => openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 5 }),
    async drop() {
      await db.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
