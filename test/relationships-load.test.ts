// `relations load FILE`: CSV checking in the operator's process, the verb (rows, links, rescores,
// audit), the admin socket path with the real operation, and the CLI as operators run it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { callAdminSocket } from "../src/cli/admin-client.js";
import { startAdminSocket } from "../src/cli/admin-socket.js";
import { parseArgs, UsageError } from "../src/cli/args.js";
import { toRequest } from "../src/cli/commands.js";
import { runOperation } from "../src/cli/operations.js";
import { parseRelationsCsv } from "../src/cli/relations.js";
import { openDatabase, type Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createLogger } from "../src/logger.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "./support/db.js";
import { TEST_KEY_ENCRYPTION_KEY } from "./support/gateway.js";
import { makeUscc } from "./exchange-fixtures.js";
import { graph, hex, links } from "./relationships-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "csg-rel-"));
let t: TestDatabase;
const clock = new ManualClock(new Date("2026-06-01T00:00:00Z"));
const deps = () => ({ db: t.db, clock, rotateGatewayKey: () => Promise.reject(new Error("not here")) });
const U = (n: number) => makeUscc("510104", 55_000_000 + n);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("relations CSV", () => {
  it("takes 3 or 4 columns with an optional header and tells a USCC from a hash", () => {
    const h = hex("p");
    expect(parseRelationsCsv(`entity_uscc,role,party\n${U(1)},investor,${U(2)}\n${U(1)},officer,${h}\n`)).toEqual([
      { entityUscc: U(1), role: "investor", partyKind: "uscc", partyKey: U(2) },
      { entityUscc: U(1), role: "officer", partyKind: "person", partyKey: h },
    ]);
    expect(parseRelationsCsv(`${U(1)},legal_representative,,${h}\r\n${U(3)},investor,${U(2)},\r\n`)).toEqual([
      { entityUscc: U(1), role: "legal_representative", partyKind: "person", partyKey: h },
      { entityUscc: U(3), role: "investor", partyKind: "uscc", partyKey: U(2) },
    ]);
  });

  it("refuses the whole file, naming the lines, when any row is wrong", () => {
    const bad = `entity_uscc,role,party\n${U(1)},investor,${U(2)}\n${U(1).slice(0, 17)}0,investor,${U(2)}\n${U(1)},boss,${U(2)}\n${U(1)},officer,not-a-hash\n`;
    expect(() => parseRelationsCsv(bad)).toThrow(UsageError);
    expect(() => parseRelationsCsv(bad)).toThrow(/line 3: entity_uscc[\s\S]*line 4: role[\s\S]*line 5: the party/);
    expect(() => parseRelationsCsv(`${U(1)},investor,${U(2)},${hex("x")}\n`)).toThrow(/line 1: the party/);
    expect(() => parseRelationsCsv("entity_uscc,role,party\n")).toThrow(/no rows/);
  });

  it("maps `relations load FILE` to a request carrying the rows", async () => {
    const io = { readFile: () => `${U(1)},investor,${U(2)}\n`, readStdin: async () => undefined };
    expect(await toRequest(parseArgs(["relations", "load", "r.csv"]), io)).toEqual({
      command: "relations.load",
      input: { rows: [{ entityUscc: U(1), role: "investor", partyKind: "uscc", partyKey: U(2) }] },
    });
    await expect(toRequest(parseArgs(["relations", "load"]), io)).rejects.toBeInstanceOf(UsageError);
    await expect(toRequest(parseArgs(["relations", "load", "r.csv", "--force"]), io)).rejects.toBeInstanceOf(UsageError);
  });
});

describe("relations.load", () => {
  it("stores the relations, derives the links, queues rescores and audits; a second load changes nothing", async () => {
    const g = await graph(t.db);
    const [parent, a, b] = [await g.entity({ uscc: U(10) }), await g.entity({ uscc: U(11) }), await g.entity({ uscc: U(12) })];
    const officer = hex("officer-cli");
    const rows = [
      { entityUscc: U(11), role: "investor", partyKind: "uscc", partyKey: U(10) },
      { entityUscc: U(11), role: "officer", partyKind: "person", partyKey: officer },
      { entityUscc: U(12), role: "officer", partyKind: "person", partyKey: officer },
      { entityUscc: U(19), role: "officer", partyKind: "person", partyKey: officer },
    ];
    const first = await runOperation(deps(), { command: "relations.load", input: { rows } });
    expect(first).toEqual({ rows: 4, loaded: 3, alreadyLoaded: 0, unknownEntities: [U(19)], rescoresRequested: 3 });
    const got = (await links(t.db)).map((l) => ({ pair: [l.a, l.b].sort(), kind: l.kind, source: l.source }));
    expect(got).toContainEqual({ pair: [a, parent].sort(), kind: "investor", source: "cli" });
    expect(got).toContainEqual({ pair: [a, b].sort(), kind: "officer", source: "cli" });
    // Their links are current already: the rescores need not refresh them again.
    const queued = await t.db.rows<{ e: string; links: boolean }>(sql`select entity_id::text as e, refresh_links as links from rescore_pending order by 1`);
    expect(queued).toEqual([parent, a, b].sort().map((e) => ({ e, links: false })));
    const audit = await t.db.rows<{ actor: string; data: { loaded: number } }>(sql`select actor, data from audit_log where action = 'relations.load'`);
    expect(audit).toEqual([{ actor: "cli", data: expect.objectContaining({ loaded: 3, unknownEntities: 1 }) }]);

    const again = await runOperation(deps(), { command: "relations.load", input: { rows } });
    expect(again).toMatchObject({ loaded: 0, alreadyLoaded: 3 });
  });

  it("rejects malformed rows that arrive without the CLI's checks (the admin socket accepts any JSON)", async () => {
    await expect(runOperation(deps(), { command: "relations.load", input: { rows: [{ entityUscc: "x", role: "investor" }] } })).rejects.toThrow(/row 1/);
    await expect(runOperation(deps(), { command: "relations.load", input: { rows: "nope" } })).rejects.toThrow(/rows must be a list/);
  });

  it("runs through the embedded gateway's admin socket with the real operation", async () => {
    const g = await graph(t.db);
    const [x, y] = [await g.entity({ uscc: U(20) }), await g.entity({ uscc: U(21) })];
    const socket = (await startAdminSocket({ dataDir: dir, logger: createLogger("silent"), run: (req) => runOperation(deps(), req) }))!;
    try {
      const request = await toRequest(parseArgs(["relations", "load", "f.csv"]), {
        readFile: () => `entity_uscc,role,party\n${U(20)},investor,${U(21)}\n`,
        readStdin: async () => undefined,
      });
      const answer = await callAdminSocket(socket.path, request);
      expect(answer).toEqual({ status: 200, body: expect.objectContaining({ loaded: 1 }) });
      expect((await links(t.db)).filter((l) => [l.a, l.b].sort().join() === [x, y].sort().join())).toHaveLength(1);
    } finally {
      await socket.close();
    }
  });
});

describe("the CLI process", () => {
  it("npm run cli -- relations load FILE", async () => {
    const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent", KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY };
    let env: Record<string, string>;
    let db: Database;
    const dataDir = join(dir, "data");
    if (usingPostgres()) {
      env = { ...base, DATABASE_URL: t.url! };
      db = t.db;
    } else {
      env = { ...base, DATA_DIR: dataDir };
      db = await openDatabase({ kind: "pglite", dataDir });
      await migrate(db);
    }
    const g = await graph(db);
    const [p, q] = [await g.entity({ uscc: U(30) }), await g.entity({ uscc: U(31) })];
    if (!usingPostgres()) await db.close(); // the CLI opens the data dir itself
    const file = join(dir, "relations.csv");
    writeFileSync(file, `entity_uscc,role,party_uscc,party_id_number_hash\n${U(31)},investor,${U(30)},\n`);
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "relations", "load", file], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 1, loaded: 1, unknownEntities: [] });
    if (!usingPostgres()) db = await openDatabase({ kind: "pglite", dataDir });
    try {
      const l = await db.rows<{ kind: string }>(sql`select kind from entity_link where entity_a = ${p < q ? p : q} and entity_b = ${p < q ? q : p}`);
      expect(l).toEqual([{ kind: "investor" }]);
    } finally {
      if (!usingPostgres()) await db.close();
    }
  }, 60_000);
});
