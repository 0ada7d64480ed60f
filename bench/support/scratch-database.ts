// A database a benchmark may fill and throw away: on PostgreSQL (DATABASE_URL set) a fresh
// database created next to the given one and dropped afterwards, else PGlite in memory.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import type { Clock } from "../../src/clock.js";
import { openDatabase, type Database } from "../../src/db/client.js";
import { createLogger } from "../../src/logger.js";
import { buildSystem, type System } from "../../src/system.js";

export async function openScratchDatabase(prefix: string): Promise<{ db: Database; drop(): Promise<void> }> {
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    const db = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    return { db, drop: () => db.close() };
  }
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const a = postgres(admin, { max: 1, onnotice: () => {} });
  await a.unsafe(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 4 });
  return {
    db,
    async drop() {
      await db.close();
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * The gateway's modules over a scratch database, not started and not serving: benchmarks call
 * the verbs and the parts' start() they need. Jobs run nowhere (no runner is started).
 */
export function benchSystem(db: Database, clock: Clock): System {
  return buildSystem({
    db, clock, logger: createLogger("silent"), issuer: "http://bench", bodyLimitBytes: 1 << 20, role: "all", redisUrl: undefined,
    workerConcurrency: 1, dataDir: "memory://", keyEncryptionKey: Buffer.alloc(32, 7).toString("base64"),
  });
}
