// `npm run cli -- reclassify` and `model list` as operators run them: its own process on a
// temporary DATA_DIR (embedded PGlite) or, with DATABASE_URL, a fresh PostgreSQL database.
// The CLI executes the run itself, prints progress lines on a non-terminal stderr and the
// run record as JSON on stdout.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "./support/db.js";
import { freePort } from "./support/net.js";
import { TEST_KEY_ENCRYPTION_KEY } from "./support/gateway.js";
import { seedEntities } from "./reclassify-seed.js";

const dir = mkdtempSync(join(tmpdir(), "csg-reclassify-"));
const dataDir = join(dir, "data");
let testDb: TestDatabase | undefined;
let env: Record<string, string>;
const N = 40;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function seed(db: Database) {
  await db.rows(sql`insert into platform (id, name, client_id) values ('00000000-0000-7000-8000-000000000001', 'CLI Mall', 'plt_cli')`);
  await seedEntities(db, { n: N, platformIds: ["00000000-0000-7000-8000-000000000001"] });
}

beforeAll(async () => {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent" };
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
}, 120_000);

afterAll(async () => {
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("reclassify CLI", () => {
  it("runs a full reclassification in chunks with progress lines and prints the run record", async () => {
    const run = await cli(["reclassify", "--all", "--chunk", "7"]);
    expect(run.code, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout) as { status: string; processed: number; total: number; counts: Record<string, number>; transitions: Record<string, number>; modelVersion: string };
    expect(record).toMatchObject({ status: "done", processed: N, total: N });
    expect(record.counts.total).toBe(N);
    expect(Object.values(record.transitions).reduce((s, x) => s + x, 0)).toBe(N); // first classes: none->X
    expect(run.stderr).toMatch(/reclassify: run [0-9a-f-]{36} done, 40 entities/);

    const region = JSON.parse((await cli(["reclassify", "--region", "510104", "--reason", "district"])).stdout) as { status: string; processed: number; scope: unknown };
    expect(region).toMatchObject({ status: "done", processed: N / 2, scope: { regionPrefix: "510104" } });

    const models = JSON.parse((await cli(["model", "list"])).stdout) as { models: { status: string; source: string }[] };
    expect(models.models).toEqual([expect.objectContaining({ status: "active", source: "expert" })]);
  }, 180_000);

  it("refuses contradictory options (exit 2)", async () => {
    const bad = await cli(["reclassify", "--all", "--region", "5101"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--all excludes --region");
  }, 60_000);
});

describe("reclassify while a gateway runs on the same database", () => {
  let gateway: ChildProcess & { output: () => string };

  beforeAll(async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...env, PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    gateway = Object.assign(child, { output: () => out });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", () => /listening on/.test(out) && resolve());
      child.on("exit", (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (gateway.exitCode === null) {
      gateway.kill("SIGTERM");
      await new Promise((r) => gateway.on("exit", r));
    }
  });

  it("runs (embedded: the gateway executes the run for the CLI through its admin socket; PostgreSQL: the CLI itself)", async () => {
    const run = await cli(["reclassify", "--platform", "00000000-0000-7000-8000-000000000001", "--reason", "with gateway"]);
    expect(run.code, run.stderr + gateway.output()).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "done", processed: N, scope: { platformId: "00000000-0000-7000-8000-000000000001" } });
    if (!usingPostgres()) expect(run.stderr).toContain("admin socket");
  }, 180_000);
});
