// `npm run cli -- reclassify` and `model list` as operators run them: its own process on a
// temporary DATA_DIR (embedded PGlite) or, with DATABASE_URL, a fresh PostgreSQL database.
// The CLI executes the run itself, prints progress lines on a non-terminal stderr and the
// run record as JSON on stdout.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.js";
import { createCliDatabase, runCli, startGatewayProcess, type CliDatabase, type GatewayProcess } from "./support/cli.js";
import { usingPostgres } from "./support/db.js";
import { seedEntities } from "./reclassify-seed.js";

let cliDb: CliDatabase;
const N = 40;

const cli = (args: string[]) => runCli(cliDb.env, args);

async function seed(db: Database) {
  await db.rows(sql`insert into platform (id, name, client_id) values ('00000000-0000-7000-8000-000000000001', 'CLI Mall', 'plt_cli')`);
  await seedEntities(db, { n: N, platformIds: ["00000000-0000-7000-8000-000000000001"] });
}

beforeAll(async () => {
  cliDb = await createCliDatabase("csg-reclassify-", seed);
}, 120_000);

afterAll(async () => {
  await cliDb?.close();
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
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(cliDb.env);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it("runs (embedded: the gateway executes the run for the CLI through its admin socket; PostgreSQL: the CLI itself)", async () => {
    const run = await cli(["reclassify", "--platform", "00000000-0000-7000-8000-000000000001", "--reason", "with gateway"]);
    expect(run.code, run.stderr + gateway.output()).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "done", processed: N, scope: { platformId: "00000000-0000-7000-8000-000000000001" } });
    if (!usingPostgres()) expect(run.stderr).toContain("admin socket");
  }, 180_000);
});
