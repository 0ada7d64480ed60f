// Screening benchmark on PostgreSQL: a synthetic Chengdu population (src/sim: registration data,
// and each entity's indicator row as of the cut date — the values classification would write
// to entity_tag), COPY-loaded into a dedicated database with classes scored by the expert model,
// then a few screenings timed through the real query code (count, first page, a full keyset
// export walk), with peak memory.
//
//   npm run bench -- screening [--entities 200000] [--repeat 3] [--reuse] [--keep] [--load-only]
//   (--load-only loads and keeps the database; a later --reuse measures it)
//   env BENCH_DATABASE_URL (admin URL; default postgres://postgres@127.0.0.1:54329/postgres)
//
// Events are not loaded: a screening never reads them (tags are per-entity columns), so the
// population is the entity, entity_tag and sandbox_membership rows only.
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { uuidv7 } from "uuidv7";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { compileModel, expertDefaultModel, scoreEntity } from "../src/scoring/index.js";
import { countScreening, screeningPage, walkScreening } from "../src/screening/query.js";
import { validConditions } from "../src/screening/conditions.js";
import { NUMERIC_TAGS } from "../src/screening/tags.js";
import { generatePopulation } from "../src/sim/index.js";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:54329/postgres";
const { values: args } = parseArgs({
  options: {
    entities: { type: "string", default: "200000" },
    repeat: { type: "string", default: "3" },
    reuse: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "load-only": { type: "boolean", default: false },
  },
});
const N = Number(args.entities);
const dbName = `bench_screening_${N}`;
const CUT = "2026-06-01";

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mb = (b: number) => Math.round(b / 1048576);
const field = (v: unknown) => (v === null || v === undefined ? "\\N" : String(v).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r"));
const line = (vs: unknown[]) => vs.map(field).join("\t") + "\n";

async function copy(sql: postgres.Sql, statement: string, text: string) {
  if (!text) return;
  await sql.begin(async (tx) => {
    const writable = await tx.unsafe(statement).writable();
    await pipeline(Readable.from([text]), writable);
  });
}

async function load(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const began = performance.now();
  const model = compileModel(expertDefaultModel());
  const cut = Date.parse(CUT);
  const seen = new Set<string>();
  let e = "", t = "", m = "";
  let entities = 0;
  const flush = async () => {
    await copy(sql, "copy entity (id, uscc, id_number_hash, name, entity_type, region_code, address, category, established_on, risk_class, probability, loss, model_version, classified_at, class_since, class_override) from stdin", e);
    await copy(sql, `copy entity_tag (entity_id, as_of, licence_status, related_worst_class, licence_revoked, ${NUMERIC_TAGS.join(", ")}) from stdin`, t);
    await copy(sql, "copy sandbox_membership (entity_id, status, since, last_admitted_at, last_removed_at, last_actor, policy_version, region_code, updated_at) from stdin", m);
    e = t = m = "";
  };
  // A short simulated history: the generator's cost is mostly events, which are not loaded.
  for (const cluster of generatePopulation({ entities: N, seed: 11, start: "2025-12-01", cutDates: [CUT], horizonDays: 1 })) {
    for (const sim of cluster.entities) {
      const first = sim.merchants[0]!.record;
      const key = first.uscc ? `u:${first.uscc}` : `i:${first.idNumberHash}`;
      const row = cluster.rows.find((r) => r.entity_id === sim.entityId);
      if (seen.has(key) || !row) continue;
      seen.add(key);
      const id = uuidv7();
      const ind = row.indicators as unknown as Record<string, unknown>;
      const s = scoreEntity(model, ind as never);
      // Class changes spread over the last two years, so "changed within N days" selects a share.
      const since = new Date(cut - ((entities * 7919) % 730) * 86_400_000).toISOString();
      const established = sim.openedAt.slice(0, 10);
      e += line([id, first.uscc ?? null, first.idNumberHash ?? null, first.name, first.entityType, sim.regionCode, sim.address, sim.category, established, s.class, s.p, s.loss, s.modelVersion, CUT, since, s.override ?? null]);
      const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
      t += line([id, CUT, ind.licence_status ?? null, ind.related_worst_class ?? null, ind.licence_revoked === null || ind.licence_revoked === undefined ? null : Number(ind.licence_revoked) > 0, ...NUMERIC_TAGS.map((c) => num(ind[c]))]);
      if (s.class === "A" || entities % 5 === 0) {
        const inside = s.class === "A";
        m += line([id, inside ? "inside" : "outside", since, since, inside ? null : since, "system", 1, sim.regionCode, since]);
      }
      entities++;
      if (entities % 5000 === 0) {
        await flush();
        if (entities % 50_000 === 0) console.error(`loaded ${entities.toLocaleString()} entities (${((performance.now() - began) / 1000).toFixed(0)} s)`);
      }
    }
  }
  await flush();
  await sql.unsafe("vacuum analyze entity, entity_tag, sandbox_membership");
  await sql.end();
  return { entities, seconds: +((performance.now() - began) / 1000).toFixed(1) };
}

const SCREENINGS: Array<{ name: string; scope: string; conditions: unknown }> = [
  { name: "city: food or drugs with >= 1 recent complaint", scope: "5101",
    conditions: { all: [{ item: "category", op: "in", value: ["food", "drugs"] }, { item: "complaints_90d", op: "gte", value: 1 }] } },
  { name: "city: class C/D whose class changed within 90 days", scope: "5101",
    conditions: { all: [{ item: "risk_class", op: "in", value: ["C", "D"] }, { item: "risk_class", op: "changed_within_days", value: 90 }] } },
  { name: "district 510107: OR group (licence expired/missing, penalties, litigation)", scope: "510107",
    conditions: { any: [{ item: "licence_status", op: "in", value: ["expired", "missing", "revoked"] }, { item: "penalties_3y", op: "gt", value: 0 }, { item: "litigation_365d", op: "gt", value: 0 }] } },
  { name: "city: never in sandbox, open warnings or open rectifications (per-entity subqueries)", scope: "5101",
    conditions: { all: [{ item: "sandbox_status", op: "eq", value: "never" }, { any: [{ item: "open_warnings", op: "gte", value: 1 }, { item: "open_rectifications", op: "gte", value: 1 }] }] } },
  { name: "city: everything (count of all)", scope: "5101", conditions: { item: "probability", op: "gte", value: 0 } },
];

async function main() {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  if (!args.reuse) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.unsafe(`create database ${dbName}`);
  }
  const db = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 2 });
  await migrate(db);
  const loaded = args.reuse ? undefined : await load(url.toString());
  if (args["load-only"]) {
    // Load now (e.g. while the machine is busy), measure later with --reuse.
    console.log(JSON.stringify({ entities: N, load: loaded, database: dbName }));
    clearInterval(sampler);
    await db.close();
    await admin.end();
    return;
  }
  const now = new Date(CUT);
  const results = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const s of SCREENINGS) {
    const q = { scope: s.scope, conditions: validConditions(s.conditions), now };
    const counts: number[] = [], pages: number[] = [];
    let n = 0;
    for (let r = 0; r < Number(args.repeat); r++) {
      let t0 = performance.now();
      n = await countScreening(db, q);
      counts.push(performance.now() - t0);
      t0 = performance.now();
      await screeningPage(db, q, undefined, 50);
      pages.push(performance.now() - t0);
    }
    peakRss = process.memoryUsage().rss;
    const t0 = performance.now();
    let rows = 0;
    for await (const chunk of walkScreening(db, q)) rows += chunk.length;
    const walk = (performance.now() - t0) / 1000;
    results.push({ screening: s.name, matches: n, countMs: Math.round(median(counts)), firstPageMs: Math.round(median(pages)), exportWalkSeconds: +walk.toFixed(2), exportRowsPerSecond: Math.round(rows / walk), peakRssDuringWalkMb: mb(peakRss) });
    console.error(JSON.stringify(results.at(-1)));
  }
  clearInterval(sampler);
  console.log(JSON.stringify({ entities: N, load: loaded, results }, null, 2));
  await db.close();
  if (!args.keep) await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
