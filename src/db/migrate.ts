// Applies migrations/ (drizzle-kit output) at start: the same files on PGlite and PostgreSQL.
// On PostgreSQL several gateway processes may start at once, so they take turns under an
// advisory lock; a second run finds nothing to do.
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { migrationsDir } from "../paths.js";
import type { Database } from "./client.js";

const MIGRATION_LOCK = 727_001;

export async function migrate(db: Database): Promise<void> {
  const migrationsFolder = migrationsDir();
  if (db.raw.kind === "pglite") {
    await migratePglite(db.orm as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // One dedicated connection, so the session-level lock and the migration share it.
  const client = postgres(db.raw.url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}
