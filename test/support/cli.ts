// The operator CLI and the gateway as their own processes, on a database of their own: a
// temporary DATA_DIR (embedded PGlite) or, with DATABASE_URL, a fresh PostgreSQL database —
// the environment every CLI test runs them in.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQL } from "drizzle-orm";
import { openDatabase, type Database } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "./db.js";
import { TEST_KEY_ENCRYPTION_KEY } from "./gateway.js";
import { killableGateway, type KillableGateway } from "./gateway-process.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliDatabase {
  /** A temporary folder for the test's files (the embedded data dir lives inside it). */
  dir: string;
  /** The environment the CLI and the gateway run with. */
  env: Record<string, string>;
  /** Reads the database the processes wrote (PGlite: once no process holds the data dir). */
  query<T extends Record<string, unknown>>(q: SQL): Promise<T[]>;
  /** Drops the database and removes the folder. */
  close(): Promise<void>;
}

/** A migrated database, seeded by `seed`, and the environment that points the CLI at it. */
export async function createCliDatabase(prefix: string, seed: (db: Database) => Promise<unknown>): Promise<CliDatabase> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, "data");
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent" };
  let testDb: TestDatabase | undefined;
  let env: Record<string, string>;
  if (usingPostgres()) {
    testDb = await createTestDatabase();
    await seed(testDb.db);
    env = { ...base, DATABASE_URL: testDb.url!, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY };
  } else {
    const db = await openDatabase({ kind: "pglite", dataDir });
    await migrate(db);
    await seed(db);
    await db.close();
    env = { ...base, DATA_DIR: dataDir };
  }
  return {
    dir,
    env,
    async query<T extends Record<string, unknown>>(q: SQL): Promise<T[]> {
      if (testDb) return testDb.db.rows<T>(q);
      const db = await openDatabase({ kind: "pglite", dataDir });
      try {
        return await db.rows<T>(q);
      } finally {
        await db.close();
      }
    },
    async close() {
      await testDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `npm run cli -- ARGS` as its own process; `done` settles with its exit code and output. */
export function startCli(env: Record<string, string>, args: string[]): ChildProcess & { done: Promise<CliRun>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { done, stderrSoFar: () => stderr });
}

export const runCli = (env: Record<string, string>, args: string[]): Promise<CliRun> => startCli(env, args).done;

export type GatewayProcess = Pick<KillableGateway, "output" | "stop">;

/** The gateway (`src/main.ts`) on the same database, once it says it is listening. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const gateway = await killableGateway(env, { LOG_LEVEL: "warn" });
  await gateway.start();
  return gateway;
}
