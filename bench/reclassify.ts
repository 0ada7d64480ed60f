// Full reclassification benchmark on PostgreSQL: a synthetic Chengdu population (src/sim)
// bulk-loaded with COPY into a dedicated database, then ONE bare SQL pass over the event rows
// and a full run (the real engine: keyset chunks, features SQL, scoring, history, entity
// update, classification.changed) measured in the same process, with peak memory.
//
//   npm run bench -- reclassify [--entities 1570000] [--start 2024-06-01] [--chunk 2000] [--runs 2] [--reuse]
//   env BENCH_DATABASE_URL (admin URL; default postgres://postgres@127.0.0.1:54359/postgres) — start it with
//       PG_PORT=54359 REDIS_PORT=63829 scripts/services.sh start /tmp/bench5
//   wrap in /usr/bin/time -v for the whole process's maximum RSS.
//
// --start shortens the simulated history (fewer events per entity) to keep the load quick;
// the result names how many events were loaded. --reuse skips the load (same --entities).
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { systemClock } from "../src/clock.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createLogger } from "../src/logger.js";
import { generatePopulation } from "../src/sim/index.js";
import { SIM_PLATFORMS } from "../src/sim/reference.js";
import { buildSystem } from "../src/system.js";
import { uuidv7 } from "uuidv7";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:54359/postgres";
const { values: args } = parseArgs({
  options: {
    entities: { type: "string", default: "1570000" },
    start: { type: "string", default: "2024-06-01" },
    chunk: { type: "string", default: "2000" },
    runs: { type: "string", default: "2" },
    reuse: { type: "boolean", default: false },
  },
});
const N = Number(args.entities);
const dbName = `bench_reclassify_${N}`;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const mb = (b: number) => Math.round(b / 1048576);

/** COPY text format: backslash, tab, newline and CR escaped; null as \N. */
const field = (v: unknown) => (v === null || v === undefined ? "\\N" : String(v).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r"));
const line = (vs: unknown[]) => vs.map(field).join("\t") + "\n";

async function copy(sql: postgres.Sql, statement: string, text: string) {
  if (!text) return;
  // Inside a transaction: the COPY owns that connection from start to end (a bare pooled
  // COPY stream was seen to hang mid-load).
  await sql.begin(async (tx) => {
    const writable = await tx.unsafe(statement).writable();
    await pipeline(Readable.from([text]), writable);
  });
}

async function load(url: string): Promise<{ entities: number; shops: number; events: number; seconds: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const began = performance.now();
  const platformIds = new Map<string, string>();
  for (const p of SIM_PLATFORMS) {
    const id = uuidv7();
    platformIds.set(p.id, id);
    await sql`insert into platform (id, name, client_id) values (${id}, ${p.id}, ${`plt_${p.id}`})`;
  }
  for (let d = new Date(Date.UTC(2019, 0, 1)); d.getUTCFullYear() < 2028; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
    await sql`select ensure_event_partition(${d.toISOString().slice(0, 10)}::date)`;
  }
  const batchId = uuidv7();
  const now = new Date().toISOString();
  let [entities, shops, events] = [0, 0, 0];
  let e = "", s = "", ev = "";
  const flush = async () => {
    await copy(sql, "copy entity (id, uscc, id_number_hash, name, entity_type, region_code, address, category) from stdin", e);
    await copy(sql, "copy shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, url, opened_at, licences, record) from stdin", s);
    await copy(sql, "copy event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data) from stdin", ev);
    e = s = ev = "";
  };
  let pending = 0;
  // The simulator can give two of its entities one key (a person running several individual
  // businesses; at city scale also a repeated USCC): the gateway keys entities by USCC or
  // idNumberHash, so those are one entity here too, as ingestion through the API would make them.
  const byKey = new Map<string, string>();
  for (const cluster of generatePopulation({ entities: N, seed: 7, start: args.start, cutDates: ["2025-11-20"], horizonDays: 365 })) {
    for (const sim of cluster.entities) {
      const first = sim.merchants[0]!.record;
      const key = first.uscc ? `u:${first.uscc}` : `i:${first.idNumberHash}`;
      const known = byKey.get(key);
      const entityId = known ?? uuidv7();
      if (!known) {
        byKey.set(key, entityId);
        e += line([entityId, first.uscc ?? null, first.idNumberHash ?? null, first.name, first.entityType, sim.regionCode, sim.address, sim.category]);
      }
      const shopIds = new Map<string, string>();
      // The latest record per shop, as the gateway keeps it.
      const latest = new Map<string, (typeof sim.merchants)[number]>();
      for (const m of sim.merchants) latest.set(`${m.platformId}\u0000${m.record.shopId}`, m);
      for (const m of latest.values()) {
        const id = uuidv7();
        shopIds.set(`${m.platformId}\u0000${m.record.shopId}`, id);
        const r = m.record;
        s += line([id, platformIds.get(m.platformId), r.shopId, entityId, r.name, r.category, r.regionCode, r.address, r.url ?? null, r.openedAt ?? null, r.licences ? JSON.stringify(r.licences) : null, JSON.stringify(r)]);
        shops++;
      }
      for (const x of sim.events) {
        const shopId = shopIds.get(`${x.platformId}\u0000${x.event.shopId}`)!;
        ev += line([uuidv7(), platformIds.get(x.platformId), shopId, entityId, x.event.eventId, x.event.kind, x.event.occurredAt, now, batchId, JSON.stringify(x.event.data)]);
        events++;
      }
      entities++;
      if (++pending >= 5000) {
        await flush();
        pending = 0;
        if (entities % 25_000 < 5000) console.error(`loaded ${entities.toLocaleString()} entities, ${events.toLocaleString()} events (${((performance.now() - began) / 1000).toFixed(0)} s)`);
      }
    }
  }
  await flush();
  await sql.unsafe("vacuum analyze entity, shop, event");
  await sql.end();
  return { entities, shops, events, seconds: (performance.now() - began) / 1000 };
}

async function main() {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  let loaded: Awaited<ReturnType<typeof load>> | undefined;
  if (!args.reuse) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.unsafe(`create database ${dbName}`);
  }
  await admin.end();
  const db = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 4 });
  await migrate(db);
  if (!args.reuse) loaded = await load(url.toString());
  const system = buildSystem({
    db, clock: systemClock, logger: createLogger("silent"), issuer: "http://bench", bodyLimitBytes: 1 << 20, role: "all",
    redisUrl: undefined, workerConcurrency: 1, dataDir: "postgres", keyEncryptionKey: undefined,
  });
  await system.classification.start();
  const [counts] = await db.rows<{ entities: number; events: number }>(postgresCounts());

  // The bare pass: every event row read once (with its data), grouped by kind.
  let began = performance.now();
  await db.rows(rawBarePass());
  const bareSeconds = (performance.now() - began) / 1000;

  const runs = [];
  for (let k = 0; k < Number(args.runs); k++) {
    const rssBefore = peakRss;
    peakRss = 0;
    const started = await system.classification.ops.startRun({ actor: { kind: "cli" } }, { reason: `bench run ${k + 1}`, chunkSize: Number(args.chunk) });
    began = performance.now();
    let lastPct = -10;
    let stageSeconds = 0;
    const out = await system.classification.ops.executeRun(started.runId, {
      owner: "bench",
      onStaging: (phase) => {
        if (phase === "done") stageSeconds = (performance.now() - began) / 1000;
        console.error(`run ${k + 1}: staging ${phase} ${((performance.now() - began) / 1000).toFixed(1)} s`);
      },
      onProgress: (r) => {
        const pct = (100 * r.processed) / (r.total ?? 1);
        if (pct - lastPct >= 10) {
          lastPct = pct;
          console.error(`run ${k + 1}: ${r.processed.toLocaleString()} (${pct.toFixed(0)}%) ${((performance.now() - began) / 1000).toFixed(0)} s, rss ${mb(process.memoryUsage().rss)} MB`);
        }
      },
    });
    const seconds = (performance.now() - began) / 1000;
    if (out.outcome !== "done") throw new Error(`run ended ${out.outcome}`);
    runs.push({ run: k + 1, seconds: +seconds.toFixed(1), stageSeconds: +stageSeconds.toFixed(1), chunkSeconds: +(seconds - stageSeconds).toFixed(1), entitiesPerSecond: Math.round(out.run.processed / seconds), ratioToBare: +(seconds / bareSeconds).toFixed(2), peakRssMb: mb(peakRss), counts: out.run.counts, transitions: out.run.transitions });
    peakRss = Math.max(peakRss, rssBefore);
  }
  clearInterval(sampler);
  console.log(JSON.stringify({ entities: Number(counts!.entities), events: Number(counts!.events), load: loaded, bareSeconds: +bareSeconds.toFixed(1), chunk: Number(args.chunk), runs, processPeakRssMb: mb(peakRss) }, null, 2));
  await system.stop();
  await db.close();
}

import { sql as dsql } from "drizzle-orm";
const postgresCounts = () => dsql`select (select count(*) from entity)::bigint as entities, (select count(*) from event)::bigint as events`;
const rawBarePass = () => dsql`select kind, count(*) as n, sum(octet_length(data::text)) as bytes, max(occurred_at) as last from event group by kind`;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
