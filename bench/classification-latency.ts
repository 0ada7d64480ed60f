// Event-to-class latency on the embedded default: PGlite in a data directory, in-process job
// runner, one process (what `npm start` runs without DATABASE_URL/REDIS_URL). Measures the time
// from sending a signed events batch (POST /v1/events/batch over real HTTP) until the entity's
// row carries the classification that includes it (entity.classified_at moves), i.e.
// ingestion + outbox + rescore job (features SQL, scoring, history, entity update, publish).
//
//   npm run bench -- classification-latency [--entities 2000] [--history 20] [--samples 100] [--burst 10] [--coalesce-ms N]
//
// --coalesce-ms: the rescore coalescing window (RESCORE_COALESCE_MS), the configured default
// unless given; the window is part of the latency measured.
// The population is loaded first (shops and `history` events per entity over the last year,
// so the features query reads realistic rows); then `samples` single POSTs of 5 complaints for a
// random entity, sequentially; then `burst` POSTs for ONE entity back to back (coalescing: the
// time until the class reflects the last of them).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { exportJWK, generateKeyPair } from "jose";
import { createPlatform } from "../src/auth/index.js";
import { systemClock } from "../src/clock.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { JobEventLog } from "../src/jobs/index.js";
import { createLogger } from "../src/logger.js";
import { usccCheckChar } from "../src/scoring/index.js";
import { buildSystem } from "../src/system.js";
import { platformClient } from "./support/platform-client.js";

const DAY = 86_400_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { entities: { type: "string", default: "2000" }, history: { type: "string", default: "20" }, samples: { type: "string", default: "100" }, burst: { type: "string", default: "10" }, "coalesce-ms": { type: "string" } },
  });
  const coalesceMs = values["coalesce-ms"] === undefined ? loadConfig({}).rescoreCoalesceMs : Number(values["coalesce-ms"]);
  const entities = Number(values.entities);
  const historyPerEntity = Number(values.history);
  const samples = Number(values.samples);
  const burst = Number(values.burst);
  const dataDir = mkdtempSync(join(tmpdir(), "csg-latency-"));
  const db = await openDatabase({ kind: "pglite", dataDir });
  await migrate(db);
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = "bench-key";
  const created = await createPlatform(
    { db, clock: systemClock, actor: { kind: "cli" } },
    { name: "Bench platform", jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] } },
  );
  const jobEvents = new JobEventLog();
  let handler: (req: Request) => Promise<Response> = async () => new Response("starting", { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (req) => handler(req), port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const system = buildSystem({
    db, clock: systemClock, logger: createLogger("warn"), issuer: url, bodyLimitBytes: 10 * 1024 * 1024, role: "all",
    redisUrl: undefined, workerConcurrency: 4, dataDir, keyEncryptionKey: randomBytes(32).toString("base64"), onJobEvent: jobEvents.listener,
    rescoreCoalesceMs: coalesceMs,
  });
  system.exchange.rateLimiter.configure({ write: { capacity: 1e9, refillPerSecond: 1e9 } });
  handler = system.app.fetch;
  await system.start();
  const client = platformClient(url, created.clientId, kid, privateKey);
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  let eventNo = 0;
  const complaint = (shopId: string, msAgo: number) => ({
    eventId: `e-${++eventNo}`, shopId, kind: "complaint", occurredAt: iso(msAgo), data: { channel: "platform", reason: "late delivery" },
  });
  const idle = async () => {
    // the loading phase enqueued a rescore per entity: wait until the runner has drained them
    for (;;) {
      const [row] = await db.rows<{ n: number }>(sql`select count(*)::int as n from outbox where job = 'classification.rescore' and status in ('pending', 'running')`);
      if (row!.n === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  try {
    const loadStarted = performance.now();
    const shopIds = Array.from({ length: entities }, (_, i) => `shop-${i}`);
    for (let at = 0; at < entities; at += 5000) {
      const records = shopIds.slice(at, at + 5000).map((shopId, k) => merchantRecord(shopId, at + k));
      await client.post("/v1/merchants/batch", JSON.stringify({ records }));
    }
    const history = shopIds.flatMap((shopId) => Array.from({ length: historyPerEntity }, () => complaint(shopId, Math.floor(Math.random() * 365 * DAY) + DAY)));
    for (let at = 0; at < history.length; at += 10_000) await client.post("/v1/events/batch", JSON.stringify({ records: history.slice(at, at + 10_000) }));
    await idle();
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const entityOf = new Map((await db.rows<{ k: string; e: string }>(sql`select platform_shop_id as k, entity_id::text as e from shop`)).map((r) => [r.k, r.e]));

    /** ms from POST until classified_at moves past `before`. */
    const classifiedAfter = async (entityId: string, before: number) => {
      for (;;) {
        const [row] = await db.rows<{ t: Date | string | null }>(sql`select classified_at as t from entity where id = ${entityId}::uuid`);
        const t = row?.t ? new Date(row.t).getTime() : 0;
        if (t > before) return;
        await new Promise((r) => setTimeout(r, 5)); // 5 ms resolution
      }
    };

    const latencies: number[] = [];
    const postMs: number[] = [];
    for (let s = 0; s < samples; s++) {
      const shopId = shopIds[Math.floor(Math.random() * entities)]!;
      const entityId = entityOf.get(shopId)!;
      const t0 = performance.now();
      const sentAt = Date.now() - 1;
      await client.post("/v1/events/batch", JSON.stringify({ records: Array.from({ length: 5 }, () => complaint(shopId, 3_600_000)) }));
      postMs.push(performance.now() - t0);
      await classifiedAfter(entityId, sentAt);
      latencies.push(performance.now() - t0);
    }

    // A burst for one entity: `burst` POSTs back to back, then until the class includes the last.
    const burstShop = shopIds[0]!;
    const burstEntity = entityOf.get(burstShop)!;
    const rescoresBefore = jobEvents.events.filter((e) => e.job === "classification.rescore" && e.type === "done").length;
    const b0 = performance.now();
    let lastSentAt = 0;
    for (let k = 0; k < burst; k++) {
      lastSentAt = Date.now() - 1;
      await client.post("/v1/events/batch", JSON.stringify({ records: Array.from({ length: 5 }, () => complaint(burstShop, 3_600_000)) }));
    }
    await classifiedAfter(burstEntity, lastSentAt);
    const burstMs = performance.now() - b0;
    await idle();
    const burstRescores = jobEvents.events.filter((e) => e.job === "classification.rescore" && e.type === "done").length - rescoresBefore;

    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(0);
    const [counts] = await db.rows<{ history: number; events: number }>(sql`
      select (select count(*)::int from classification) as history, (select count(*)::int from event) as events`);
    console.log(JSON.stringify({
      backend: "embedded (PGlite data dir, in-process jobs)", rescoreCoalesceMs: coalesceMs, entities, eventsStored: counts!.events, historyRows: counts!.history,
      loadSeconds: +loadSeconds.toFixed(1),
      eventToClassMs: { samples, p50: pct(latencies, 0.5), p95: pct(latencies, 0.95), max: pct(latencies, 1) },
      postMs: { p50: pct(postMs, 0.5), p95: pct(postMs, 0.95) },
      burst: { posts: burst, msUntilLastIncluded: +burstMs.toFixed(0), rescoreJobsRun: burstRescores },
    }, null, 2));
  } finally {
    server.close();
    await system.stop();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}


function merchantRecord(shopId: string, i: number) {
  const first17 = `91510104${String(i).padStart(8, "0")}0`;
  return {
    shopId, name: `Shop ${i}`, entityType: "enterprise", uscc: first17 + usccCheckChar(first17), regionCode: "510104", address: `${i} Chunxi Road`,
    category: "food", openedAt: new Date(Date.now() - 700 * DAY).toISOString(), licences: [{ type: "food_business", number: `JY${i}`, validUntil: "2030-01-01" }],
  };
}

await main();
