// History-load benchmark: rows/s of `npm run cli -- history load` (the real CLI in its own
// process: file read and parsed, every record validated by the ingestion verbs, event_key
// claim + event append, one operator batch, audit row and checkpoint per chunk), beside a raw
// COPY of the same rows into the same event table of the same database, in the same run.
// Also the loader's peak memory (max RSS), which should not grow with the file.
//
//   npm run bench -- history-load [--events 200000] [--shops 2000] [--chunk 2000]
//   DATABASE_URL set: a scratch PostgreSQL database next to it (dropped afterwards);
//   unset: the embedded PGlite in a temporary DATA_DIR.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { uuidv7 } from "uuidv7";
import { openDatabase, type Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { copyField } from "../src/exchange/event-copy.js";
import { usccCheckChar } from "../src/scoring/index.js";

const { values: args } = parseArgs({
  options: { events: { type: "string", default: "200000" }, shops: { type: "string", default: "2000" }, chunk: { type: "string", default: "2000" } },
});
const EVENTS = Number(args.events);
const SHOPS = Number(args.shops);
const CHUNK = Number(args.chunk);
const PLATFORM = uuidv7();
const dir = mkdtempSync(join(tmpdir(), "csg-bench-history-"));

const uscc = (i: number) => {
  const first17 = `91510104${String(i).padStart(8, "0")}0`;
  return first17 + usccCheckChar(first17);
};
const REASONS = ["late delivery", "counterfeit suspected", "refund refused", "rude service"];
/** The i-th event: three in four complaints, one in four ratings, over a year. */
function event(i: number) {
  const shopId = `b-shop-${(i * 7919) % SHOPS}`;
  const occurredAt = new Date(Date.parse("2025-01-01T00:00:00Z") + (i % 365) * 86_400_000 + (i % 86_400) * 1000).toISOString();
  return i % 4 === 0
    ? { eventId: `b-e-${i}`, shopId, kind: "rating", occurredAt, data: { score: (i % 50) / 10, count: 1 + (i % 9) } }
    : { eventId: `b-e-${i}`, shopId, kind: "complaint", occurredAt, data: { channel: "platform", reason: REASONS[i % 4]!, amountCents: i % 10_000 } };
}

async function writeLines(path: string, n: number, line: (i: number) => string): Promise<void> {
  async function* lines() {
    for (let at = 0; at < n; at += 1000) {
      let out = "";
      for (let i = at; i < Math.min(n, at + 1000); i++) out += line(i) + "\n";
      yield out;
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
}

interface Timed {
  summary: { rows: number; accepted: number; rejected: number; elapsedSeconds: number; rowsPerSecond: number };
  maxRssMiB: number;
  wallSeconds: number;
  cpuSeconds: number;
}

/** The CLI under /usr/bin/time: its summary, peak memory and CPU. */
function loadWithCli(env: Record<string, string>, cliArgs: string[]): Promise<Timed> {
  const timeFile = join(dir, `time-${randomBytes(3).toString("hex")}`);
  const child = spawn("/usr/bin/time", ["-f", "%M %e %U %S", "-o", timeFile, process.execPath, "--import", "tsx", "src/cli.ts", ...cliArgs], { env, stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve, reject) =>
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`history load exited ${code}`));
      const [rssKb, wall, user, sys] = readFileSync(timeFile, "utf8").trim().split(/\s+/).slice(-4).map(Number);
      resolve({ summary: JSON.parse(stdout), maxRssMiB: Math.round(rssKb! / 1024), wallSeconds: wall!, cpuSeconds: +(user! + sys!).toFixed(1) });
    }),
  );
}

/** The same event rows, shaped as the loader stores them, COPYed in chunk-sized transactions. */
async function rawCopy(db: Database): Promise<{ rows: number; seconds: number }> {
  const shops = new Map<string, { id: string; entity_id: string }>();
  for (const s of await db.rows<{ k: string; id: string; entity_id: string }>(sql`select platform_shop_id as k, id, entity_id from shop where platform_id = ${PLATFORM}::uuid`)) shops.set(s.k, s);
  const statement = "copy event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data) from";
  const started = performance.now();
  for (let at = 0; at < EVENTS; at += CHUNK) {
    const batchId = uuidv7();
    const now = new Date().toISOString();
    let text = "";
    for (let i = at; i < Math.min(EVENTS, at + CHUNK); i++) {
      const e = event(i);
      const s = shops.get(e.shopId)!;
      text += `${uuidv7()}\t${PLATFORM}\t${s.id}\t${s.entity_id}\tcopy-${i}\t${e.kind}\t${e.occurredAt}\t${now}\t${batchId}\t${copyField(JSON.stringify(e.data))}\n`;
    }
    if (db.raw.kind === "postgres") {
      await db.raw.sql.begin(async (tx) => pipeline(Readable.from([text]), await tx.unsafe(`${statement} stdin`).writable()));
    } else {
      await db.raw.client.query(`${statement} '/dev/blob'`, [], { blob: new Blob([text]) });
    }
  }
  return { rows: EVENTS, seconds: (performance.now() - started) / 1000 };
}

async function main() {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "silent" };
  const admin = process.env.DATABASE_URL;
  let env: Record<string, string>;
  let open: () => Promise<Database>;
  let drop = async () => {};
  if (admin) {
    const name = `bench_history_${randomBytes(4).toString("hex")}`;
    const a = postgres(admin, { max: 1, onnotice: () => {} });
    await a.unsafe(`create database ${name}`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    env = { ...base, DATABASE_URL: url.toString(), KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };
    open = () => openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 2 });
    drop = async () => {
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  } else {
    const dataDir = join(dir, "data");
    env = { ...base, DATA_DIR: dataDir };
    open = () => openDatabase({ kind: "pglite", dataDir });
  }
  try {
    let db = await open();
    await migrate(db);
    await db.rows(sql`insert into platform (id, name, client_id) values (${PLATFORM}::uuid, 'Bench Mall', ${`plt_${randomBytes(6).toString("hex")}`})`);
    await db.close(); // PGlite: one process at a time, and the CLI is next

    const merchants = join(dir, "merchants.ndjson");
    const events = join(dir, "events.ndjson");
    await writeLines(merchants, SHOPS, (i) =>
      JSON.stringify({ shopId: `b-shop-${i}`, name: `Shop ${i}`, entityType: "enterprise", uscc: uscc(i), regionCode: "510104", address: `${i} Chunxi Road`, category: "food" }),
    );
    await writeLines(events, EVENTS, (i) => JSON.stringify(event(i)));
    const common = ["--platform", PLATFORM, "--chunk", String(CHUNK), "--no-run"];
    const m = await loadWithCli(env, ["history", "load", merchants, "--records", "merchants", ...common]);
    const e = await loadWithCli(env, ["history", "load", events, ...common]);
    if (e.summary.accepted !== EVENTS) throw new Error(`expected ${EVENTS} events accepted, got ${JSON.stringify(e.summary)}`);

    db = await open();
    const copy = await rawCopy(db);
    await db.close();
    const copyRate = copy.rows / copy.seconds;
    console.log(
      JSON.stringify(
        {
          backend: admin ? "postgres" : "pglite",
          events: EVENTS,
          shops: SHOPS,
          chunk: CHUNK,
          merchants: { rowsPerSecond: m.summary.rowsPerSecond, maxRssMiB: m.maxRssMiB },
          loader: { seconds: e.summary.elapsedSeconds, rowsPerSecond: e.summary.rowsPerSecond, processWallSeconds: e.wallSeconds, processCpuSeconds: e.cpuSeconds, maxRssMiB: e.maxRssMiB },
          rawCopy: { seconds: +copy.seconds.toFixed(2), rowsPerSecond: Math.round(copyRate) },
          ratio: +(e.summary.rowsPerSecond / copyRate).toFixed(2),
        },
        null,
        2,
      ),
    );
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
