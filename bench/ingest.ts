// Ingestion benchmark: events/s accepted through the signed batch endpoint (real HTTP on
// 127.0.0.1, OAuth token + detached JWS per request) into PostgreSQL, beside a raw COPY of the
// same rows into the same database, measured in the same run.
//
//   npm run bench -- ingest [--events 300000] [--batch 10000] [--clients 4] [--shops 2000]
//   env BENCH_DATABASE_URL (admin URL; default postgres://postgres@127.0.0.1:54349/postgres),
//       BENCH_REDIS_URL (default redis://127.0.0.1:63819) — start them with
//       PG_PORT=54349 REDIS_PORT=63819 scripts/services.sh start /tmp/bench-svc
//
// The gateway runs in a child process (ROLE=api: it writes outbox rows; workers are a separate
// deployment), the load generator in this one. Bodies are generated before the clock starts;
// tokens and the detached JWS over each body are made inside the timed section.
import { fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { exportJWK, generateKeyPair } from "jose";
import postgres from "postgres";
import { uuidv7 } from "uuidv7";
import { createPlatform } from "../src/auth/index.js";
import { systemClock } from "../src/clock.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createLogger } from "../src/logger.js";
import { usccCheckChar } from "../src/scoring/index.js";
import { buildSystem } from "../src/system.js";
import { platformClient } from "./support/platform-client.js";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:54349/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:63819";


/** Child: the whole gateway on an ephemeral port; prints its URL to the parent. */
async function serveGateway(databaseUrl: string): Promise<void> {
  const db = await openDatabase({ kind: "postgres", url: databaseUrl, maxConnections: 10 });
  let handler: (req: Request) => Promise<Response> = async () => new Response("starting", { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (req) => handler(req), port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const system = buildSystem({
    db,
    clock: systemClock,
    logger: createLogger("warn"),
    issuer: url,
    bodyLimitBytes: 10 * 1024 * 1024,
    role: "api",
    redisUrl: REDIS_URL,
    workerConcurrency: 1,
    dataDir: "postgres",
    keyEncryptionKey: randomBytes(32).toString("base64"),
    bullPrefix: `csg-bench-${randomBytes(4).toString("hex")}`,
  });
  system.exchange.rateLimiter.configure({ write: { capacity: 1e9, refillPerSecond: 1e9 } });
  handler = system.app.fetch;
  await system.start();
  process.send!({ url });
  process.on("message", async (m) => {
    if (m === "cpu") return void process.send!({ cpu: cpuSeconds(process.cpuUsage()) });
    if (m !== "stop") return;
    server.close();
    await system.stop();
    await db.close();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "300000" },
      batch: { type: "string", default: "10000" },
      clients: { type: "string", default: "4" },
      shops: { type: "string", default: "2000" },
    },
  });
  const totalEvents = Number(values.events);
  const batchSize = Number(values.batch);
  const clients = Number(values.clients);
  const shopCount = Number(values.shops);

  // A fresh database on the benchmark cluster.
  const name = `bench_ingest_${randomBytes(4).toString("hex")}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: dbUrl.toString(), maxConnections: 4 });
  await migrate(db);
  const settings = await admin.unsafe(
    `select name, setting from pg_settings where name in ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_wal_size','wal_level') order by name`,
  );

  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = "bench-key";
  const created = await createPlatform(
    { db, clock: systemClock, actor: { kind: "cli" } },
    { name: "Bench platform", jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] } },
  );

  const child = fork(fileURLToPath(import.meta.url), ["--serve", dbUrl.toString()], { execArgv: ["--import", "tsx", ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  try {
    const client = platformClient(url, created.clientId, kid, privateKey);

    // Shops first: one entity each.
    const shopIds = Array.from({ length: shopCount }, (_, i) => `shop-${i}`);
    for (let at = 0; at < shopIds.length; at += 5000) {
      const records = shopIds.slice(at, at + 5000).map((shopId, i) => merchantRecord(shopId, at + i));
      const r = await client.post("/v1/merchants/batch", JSON.stringify({ records }));
      if (r.accepted !== records.length) throw new Error(`merchant batch: ${JSON.stringify(r).slice(0, 300)}`);
    }

    // Bodies prepared before timing (the platform's own work, not the gateway's).
    const makeBody = (prefix: string, n: number) =>
      JSON.stringify({ records: Array.from({ length: n }, (_, i) => eventRecord(`${prefix}-${i}`, shopIds[(i * 7919) % shopIds.length]!, i)) });
    const warmup = makeBody("warm", batchSize);
    const bodies = Array.from({ length: Math.ceil(totalEvents / batchSize) }, (_, b) => makeBody(`ev${b}`, Math.min(batchSize, totalEvents - b * batchSize)));
    const bodyBytes = bodies.reduce((s, b) => s + Buffer.byteLength(b), 0);
    await client.post("/v1/events/batch", warmup);

    // Timed: `clients` concurrent senders drain the queue of bodies.
    const cpu0 = { gateway: await childCpu(child), pg: pgCpuSeconds(), load: cpuSeconds(process.cpuUsage()) };
    let next = 0;
    let accepted = 0;
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let b = next++; b < bodies.length; b = next++) {
          const t0 = performance.now();
          const r = await client.post("/v1/events/batch", bodies[b]!);
          latencies.push(performance.now() - t0);
          accepted += r.accepted;
        }
      }),
    );
    const endpointSeconds = (performance.now() - started) / 1000;
    const cpu = {
      gateway: +((await childCpu(child)) - cpu0.gateway).toFixed(1),
      postgres: +(pgCpuSeconds() - cpu0.pg).toFixed(1),
      loadGenerator: +(cpuSeconds(process.cpuUsage()) - cpu0.load).toFixed(1),
    };
    if (accepted !== totalEvents) throw new Error(`accepted ${accepted} of ${totalEvents}`);

    // Raw COPY of the same rows (as stored: the event table's columns) into the same database.
    const copy = await rawCopy(dbUrl.toString(), created.platformId, totalEvents, batchSize, shopIds.length);

    const endpointRate = totalEvents / endpointSeconds;
    latencies.sort((x, y) => x - y);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0);
    console.log(
      JSON.stringify(
        {
          events: totalEvents,
          batchSize,
          clients,
          shops: shopCount,
          bodyMiB: +(bodyBytes / 2 ** 20).toFixed(1),
          endpoint: { seconds: +endpointSeconds.toFixed(2), eventsPerSecond: Math.round(endpointRate), batchMs: { p50: pct(0.5), p95: pct(0.95), max: pct(1) }, cpuSeconds: cpu },
          copy: { seconds: +copy.seconds.toFixed(2), rowsPerSecond: Math.round(copy.rows / copy.seconds), postgresCpuSeconds: copy.pgCpu },
          ratio: +(endpointRate / (copy.rows / copy.seconds)).toFixed(2),
          settings: Object.fromEntries(settings.map((s) => [s.name, s.setting])),
        },
        null,
        2,
      ),
    );
  } finally {
    child.send("stop");
    await new Promise((resolve) => child.once("exit", resolve));
    await db.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}


function merchantRecord(shopId: string, i: number) {
  const first17 = `91510104${String(i).padStart(8, "0")}0`;
  return { shopId, name: `Shop ${i}`, entityType: "enterprise", uscc: first17 + usccCheckChar(first17), regionCode: "510104", address: `${i} Chunxi Road`, category: "food" };
}

const REASONS = ["late delivery", "wrong item", "counterfeit suspected", "rude service"];
function eventRecord(eventId: string, shopId: string, i: number) {
  const occurredAt = new Date(Date.UTC(2025, 9 + (i % 3), 1 + (i % 28), i % 24)).toISOString();
  return i % 4 === 0
    ? { eventId, shopId, kind: "rating", occurredAt, data: { score: (i % 50) / 10, count: 1 + (i % 9) } }
    : { eventId, shopId, kind: "complaint", occurredAt, data: { channel: "platform", reason: REASONS[i % 4]!, amountCents: i % 10_000 } };
}

/** COPY the same number of event rows, shaped as the endpoint stores them, in batch-sized transactions. */
async function rawCopy(url: string, platformId: string, total: number, batchSize: number, shops: number) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const shopRows = await sql`select id, entity_id from shop where platform_id = ${platformId} order by platform_shop_id`;
  const chunks: string[] = [];
  for (let at = 0; at < total; at += batchSize) {
    const batchId = uuidv7();
    const now = new Date().toISOString();
    const lines: string[] = [];
    for (let i = 0; i < Math.min(batchSize, total - at); i++) {
      const r = eventRecord(`copy-${at + i}`, "", i);
      const s = shopRows[(i * 7919) % shops]!;
      const data = JSON.stringify(r.data).replace(/\\/g, "\\\\");
      lines.push([uuidv7(), platformId, s.id, s.entity_id, `copy-${at + i}`, r.kind, r.occurredAt, now, batchId, data].join("\t"));
    }
    chunks.push(lines.join("\n") + "\n");
  }
  const pg0 = pgCpuSeconds();
  const started = performance.now();
  for (const chunk of chunks) {
    await sql.begin(async (tx) => {
      const writable = await tx`copy event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data) from stdin`.writable();
      await pipeline(Readable.from([chunk]), writable);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const pgCpu = +(pgCpuSeconds() - pg0).toFixed(1);
  await sql.end();
  return { rows: total, seconds, pgCpu };
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

function childCpu(child: ReturnType<typeof fork>): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === "object" && m !== null && "cpu" in m) {
        child.off("message", on);
        resolve((m as { cpu: number }).cpu);
      }
    };
    child.on("message", on);
    child.send("cpu");
  });
}

/** CPU seconds (user + system) of the benchmark cluster's postmaster and its children, from /proc. */
function pgCpuSeconds(): number {
  const dataDir = process.env.BENCH_PG_DATA ?? "/tmp/bench-svc/pg";
  let postmaster: string;
  try {
    postmaster = readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]!.trim();
  } catch {
    return Number.NaN;
  }
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (pid === postmaster || fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks / 100;
}

// Last, so every module-level constant above is initialised first.
if (process.argv[2] === "--serve") await serveGateway(process.argv[3]!);
else await main();
