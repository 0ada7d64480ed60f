// `npm run cli -- history load` as an operator runs it at a platform's rollout: its own process
// on a temporary DATA_DIR (embedded PGlite) or, with DATABASE_URL, a fresh PostgreSQL database;
// then again while a gateway holds the database (PGlite: through its admin socket). Merchants
// first, then their events; bad rows are listed in the report with their line numbers while the
// good ones load; Ctrl-C and a rerun continue at the checkpoint; the load ends in one full run.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.js";
import { parseCsv } from "../src/scoring/csv.js";
import { breakUscc, complaint, makeUscc, merchant } from "./exchange-fixtures.js";
import { createCliDatabase, startCli, startGatewayProcess, type CliDatabase, type CliRun, type GatewayProcess } from "./support/cli.js";
import { usingPostgres } from "./support/db.js";

const PLATFORM = "00000000-0000-7000-8000-0000000000a1";
const SHOPS = 12;
let cliDb: CliDatabase;

type Run = CliRun;

interface Summary {
  loadId: string;
  status: string;
  resumedFrom: { line: number; offset: number } | null;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rowsPerSecond: number;
  report: string;
  reported: number;
  load: { status: string; nextLine: number; nextOffset: number; fileSize: number; rowsRead: number; accepted: number; duplicates: number; rejected: number; runId: string | null };
  run: { runId: string; status: string; processed: number } | null;
}

const start = (args: string[]) => startCli(cliDb.env, args);
const cli = (args: string[]) => start(args).done;

/** Starts a load and sends `signal` once its first chunk is reported committed (a progress line). */
async function interruptAfterFirstChunk(args: string[], signal: NodeJS.Signals): Promise<Run> {
  const child = start(args);
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (!/history: /.test(child.stderrSoFar())) return;
      clearInterval(poll);
      child.kill(signal);
      resolve();
    }, 20);
    child.once("close", () => {
      clearInterval(poll);
      reject(new Error(`the load ended before it could be interrupted: ${child.stderrSoFar()}`));
    });
  });
  return child.done;
}

function summaryOf(run: Run, code = 0): Summary {
  expect(run.code, run.stderr).toBe(code);
  return JSON.parse(run.stdout) as Summary;
}

const query: CliDatabase["query"] = (q) => cliDb.query(q);
const count = async (q: SQL) => Number((await query<{ n: number }>(q))[0]!.n);

const file = (name: string, text: string) => {
  const path = join(cliDb.dir, name);
  writeFileSync(path, text);
  return path;
};
const report = (path: string) => parseCsv(readFileSync(path, "utf8"));
const day = (i: number) => new Date(Date.parse("2025-03-01T00:00:00Z") + i * 3_600_000).toISOString();
/** CSV field with its quotes doubled: how spreadsheets write JSON into a cell. */
const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

beforeAll(async () => {
  cliDb = await createCliDatabase("csg-history-", (db: Database) =>
    db.rows(sql`insert into platform (id, name, client_id) values (${PLATFORM}::uuid, 'History Mall', 'plt_history')`));
}, 120_000);

afterAll(async () => {
  await cliDb?.close();
});

describe("history load", () => {
  it("loads merchants (NDJSON), then their events (CSV): bad rows reported by line, good ones stored, then one full run classifies the entities", async () => {
    const shops = Array.from({ length: SHOPS }, (_, i) => JSON.stringify(merchant(`h-shop-${i}`, { uscc: makeUscc("510104", 7_000 + i) })));
    const merchants = file(
      "merchants.ndjson",
      [
        ...shops.slice(0, 5),
        "{not json", // line 6
        JSON.stringify(merchant("h-bad-uscc", { uscc: breakUscc(makeUscc("510104", 7_100)) })), // line 7
        "",
        ...shops.slice(5),
        JSON.stringify({ ...merchant("h-no-address"), address: undefined }), // line 16
      ].join("\n") + "\n",
    );
    const m = summaryOf(await cli(["history", "load", merchants, "--platform", PLATFORM, "--records", "merchants", "--no-run"]));
    expect(m).toMatchObject({ status: "loaded", resumedFrom: null, rows: SHOPS + 3, accepted: SHOPS, duplicates: 0, rejected: 3, reported: 3, run: null });
    expect(m.load).toMatchObject({ status: "done", rowsRead: SHOPS + 3, runId: null });
    // The relationship graph is built from the loaded records before any run reads it (here: the
    // twelve entities' registered address keys; one address shared by more than ten makes a
    // cluster that is counted, not linked pair by pair).
    expect(await count(sql`select count(*)::int as n from entity_address`)).toBe(SHOPS);
    expect(report(`${merchants}.errors.csv`)).toEqual({
      header: ["line", "id", "code", "message", "field"],
      rows: [
        ["6", "", "MALFORMED_LINE", expect.stringContaining("not JSON"), ""],
        ["7", "h-bad-uscc", "USCC_CHECK_FAILED", expect.any(String), "/uscc"],
        ["16", "h-no-address", "VALIDATION_FAILED", expect.any(String), "/address"],
      ],
      lines: [2, 3, 4],
    });

    // Events as a spreadsheet would export them: data as JSON in a quoted cell (once pretty-printed over four lines).
    const good: string[] = [];
    for (let i = 0; i < 240; i++) {
      const c = complaint(`h-e-${i}`, `h-shop-${i % SHOPS}`, day(i));
      good.push([c.eventId, c.shopId, c.kind, c.occurredAt, quoted(JSON.stringify(c.data))].join(","));
    }
    const lines = [
      "eventId,shopId,kind,occurredAt,data",
      ...good.slice(0, 100),
      `h-e-multi,h-shop-1,complaint,${day(1)},${quoted(JSON.stringify({ channel: "hotline_12315", reason: "broken, seal" }, null, 1))}`, // lines 102-105
      `h-e-nojson,h-shop-1,complaint,${day(2)},{channel:platform}`, // line 106
      ...good.slice(100, 200),
      `h-e-stranger,nobody's-shop,complaint,${day(3)},${quoted('{"channel":"platform","reason":"x"}')}`, // line 207
      `h-e-kind,h-shop-2,gossip,${day(4)},${quoted("{}")}`, // line 208
      `h-e-old,h-shop-2,complaint,1999-12-31T00:00:00Z,${quoted('{"channel":"platform","reason":"x"}')}`, // line 209
      `h-e-short,h-shop-2,complaint`, // line 210
      ...good.slice(200),
    ];
    const events = file("events.csv", lines.join("\r\n") + "\r\n");
    const e = summaryOf(await cli(["history", "load", events, "--platform", PLATFORM, "--chunk", "50"]));
    expect(e).toMatchObject({ status: "loaded", rows: 241 + 5, accepted: 241, duplicates: 0, rejected: 5, reported: 5 });
    expect(e.run).toMatchObject({ status: "done", processed: SHOPS });
    expect(e.load.runId).toBe(e.run!.runId);
    expect(report(`${events}.errors.csv`).rows).toEqual([
      ["106", "h-e-nojson", "MALFORMED_LINE", expect.stringContaining("column data is not JSON"), ""],
      ["207", "h-e-stranger", "UNKNOWN_SHOP", expect.any(String), "/shopId"],
      ["208", "h-e-kind", "VALIDATION_FAILED", expect.any(String), "/kind"],
      ["209", "h-e-old", "OCCURRED_AT_OUT_OF_RANGE", expect.any(String), "/occurredAt"],
      ["210", "h-e-short", "MALFORMED_LINE", expect.stringContaining("expected 5 fields"), ""],
    ]);

    expect(await count(sql`select count(*)::int as n from event where platform_id = ${PLATFORM}::uuid`)).toBe(241);
    const [multi] = await query<{ data: unknown }>(sql`select data from event where platform_event_id = 'h-e-multi'`);
    expect(multi!.data).toEqual({ channel: "hotline_12315", reason: "broken, seal" });
    // Batches like the API's, marked as an operator's load: no platform signature, no receipt.
    const batches = await query<{ source: string; n: number; signed: number; loads: number }>(
      sql`select source, count(*)::int as n, count(signature)::int as signed, count(distinct history_load_id)::int as loads from batch group by source`,
    );
    expect(batches).toEqual([{ source: "operator", n: 1 + 5, signed: 0, loads: 2 }]); // merchants: one chunk; events: 246 rows in chunks of 50
    // No rescore job per entity per chunk: the one full run classified everyone.
    expect(await count(sql`select count(*)::int as n from outbox where job = 'classification.rescore'`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from entity where risk_class is not null`)).toBe(SHOPS);
    const audit = await query<{ action: string; n: number }>(sql`select action, count(*)::int as n from audit_log where action like 'history.%' group by action order by action`);
    expect(audit).toEqual([
      { action: "history.load.finish", n: 2 },
      { action: "history.load.start", n: 2 },
    ]);

    // The same command again: already loaded, nothing read, no second run.
    const again = summaryOf(await cli(["history", "load", events, "--platform", PLATFORM, "--chunk", "50"]));
    expect(again).toMatchObject({ status: "already-loaded", rows: 0, run: { runId: e.run!.runId, status: "done" } });
  }, 300_000);

  it("a load stopped by Ctrl-C, or killed, continues at its checkpoint when run again: nothing read twice, nothing stored twice", async () => {
    const N = 20_000;
    const records: string[] = [];
    for (let i = 0; i < N; i++) records.push(JSON.stringify(complaint(`h-big-${i}`, `h-shop-${i % SHOPS}`, day(i % 5000))));
    const big = file("big.ndjson", records.join("\n")); // no newline after the last line
    const args = ["history", "load", big, "--platform", PLATFORM, "--chunk", "200", "--no-run"];

    const stopped = summaryOf(await interruptAfterFirstChunk(args, "SIGINT"), 130);
    expect(stopped).toMatchObject({ status: "interrupted", duplicates: 0, rejected: 0 });
    expect(stopped.rows).toBeGreaterThan(0);
    expect(stopped.rows).toBeLessThan(N);
    expect(stopped.load).toMatchObject({ status: "loading", nextLine: stopped.rows + 1, accepted: stopped.rows });

    // A crash mid-chunk: that chunk's transaction never committed, nor did its checkpoint.
    const killed = await interruptAfterFirstChunk(args, "SIGKILL");
    expect(killed.stderr).toContain(`continuing history load ${stopped.loadId} at line ${stopped.load.nextLine}`);

    const resumed = summaryOf(await cli(args));
    expect(resumed).toMatchObject({ loadId: stopped.loadId, status: "loaded", duplicates: 0, rejected: 0 });
    expect(resumed.resumedFrom!.line).toBeGreaterThan(stopped.load.nextLine);
    expect(resumed.rows).toBe(N - resumed.resumedFrom!.line + 1);
    // Over the three runs every row was read into a committed chunk exactly once.
    expect(resumed.load).toMatchObject({ status: "done", rowsRead: N, accepted: N, duplicates: 0, nextOffset: resumed.load.fileSize });
    expect(resumed.rowsPerSecond).toBeGreaterThan(0);
    expect(await count(sql`select count(*)::int as n from event where platform_event_id like 'h-big-%'`)).toBe(N);
    expect(report(`${big}.errors.csv`).rows).toEqual([]);
  }, 300_000);

  it("refuses a bad invocation or a wrong CSV header before anything loads", async () => {
    const csv = file("wrong.csv", "eventId,shopId,kind,occurredAt,payload\ne1,h-shop-1,complaint,2025-01-01T00:00:00Z,{}\n");
    const header = await cli(["history", "load", csv, "--platform", PLATFORM]);
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('"payload" is not a field of EventRecord');
    expect(header.stderr).toContain("the required column data is missing");

    const noPlatform = await cli(["history", "load", csv]);
    expect(noPlatform.code).toBe(2);
    expect(noPlatform.stderr).toContain("--platform is required");

    const format = await cli(["history", "load", file("events.txt", ""), "--platform", PLATFORM]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--format ndjson or --format csv");

    const stranger = await cli(["history", "load", file("none.ndjson", ""), "--platform", "00000000-0000-7000-8000-0000000000ff"]);
    expect(stranger.code).toBe(1);
    expect(JSON.parse(stranger.stderr)).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect(await count(sql`select count(*)::int as n from history_load where file_name like '%wrong.csv' or file_name like '%none.ndjson'`)).toBe(0);
  }, 120_000);
});

describe("history load while a gateway runs on the same database", () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGatewayProcess(cliDb.env);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it("loads in chunks (embedded: each chunk through the gateway's admin socket) and the gateway runs the full run", async () => {
    const records = Array.from({ length: 500 }, (_, i) => JSON.stringify(complaint(`h-gw-${i}`, `h-shop-${i % SHOPS}`, day(i))));
    const events = file("gateway.ndjson", records.join("\n") + "\n");
    const run = await cli(["history", "load", events, "--platform", PLATFORM, "--chunk", "100"]);
    const loaded = summaryOf(run);
    expect(loaded, gateway.output()).toMatchObject({ status: "loaded", rows: 500, accepted: 500, rejected: 0, run: { status: "done", processed: SHOPS } });
    if (!usingPostgres()) expect(run.stderr).toContain("admin socket");
  }, 300_000);
});
