// Policy what-if (试算) at scale: the dry run of a candidate fence policy (admit class B too) and of
// a candidate monitoring rule (complaints in 30 days, replayed over 30 and 90 days at weekly
// points) over a synthetic city, through the verbs the API calls, with the city-wide scope.
// The goal: a what-if over Chengdu's 469k merchants answers within a minute on PostgreSQL.
//
//   npm run bench -- what-if [--entities 50000] [--events 12] [--parallel 1,3]
//   (--parallel: the chunks read at once, each setting measured in turn in the same process)
//
// PostgreSQL when DATABASE_URL is set (a fresh database is created and dropped), else PGlite in
// memory. Entities, shops and events are generated in SQL: this measures the dry runs.
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { ManualClock } from "../src/clock.js";
import type { Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { computeFeatures } from "../src/classification/index.js";
import { ruleWhatIf } from "../src/monitoring/what-if.js";
import { DEFAULT_FENCE_POLICY } from "../src/sandbox/index.js";
import { fencePolicyWhatIf } from "../src/sandbox/what-if.js";
import { benchSystem, openScratchDatabase } from "./support/scratch-database.js";
import { ensureEventPartitions, monthOf } from "../src/exchange/partitions.js";

const T = new Date("2026-06-15T00:00:00Z");
const DISTRICTS = ["510104", "510105", "510106", "510107", "510108", "510112", "510114", "510116"];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entities: { type: "string", default: "50000" }, events: { type: "string", default: "12" }, parallel: { type: "string", default: "1,3" } } });
  const [n, perEntity] = [Number(values.entities), Number(values.events)];
  const parallelSettings = values.parallel.split(",").map(Number);
  const { db, drop } = await openScratchDatabase("bench_whatif");
  try {
    await migrate(db);
    const clock = new ManualClock(T);
    const system = benchSystem(db, clock);
    await system.sandbox.start();
    let t0 = performance.now();
    await load(db, n, perEntity);
    console.log(`loaded ${n} entities, ${n * perEntity} events in ${((performance.now() - t0) / 1000).toFixed(1)} s (${db.kind})`);
    const ctx = { db, clock, actor: { kind: "cli" as const }, overdueRectifications: system.notices.overdueRectifications };
    const rss = () => Math.round(process.memoryUsage().rss / 1048576);

    const definition = {
      key: "bench.complaints", nameZh: "投诉集中", severity: "medium", scope: "all", action: "warn_and_notice", windowDays: 30,
      condition: { metric: { events: { kind: "complaint", days: 30 } }, op: ">=", value: 2 },
    };
    // Each dry run one chunk at a time and then with chunks read in parallel, in the same process.
    for (const parallelChunks of parallelSettings) {
      console.log(`-- ${parallelChunks} chunk(s) at once`);
      t0 = performance.now();
      const fence = await fencePolicyWhatIf({ ...ctx, parallelChunks }, { policy: { ...DEFAULT_FENCE_POLICY, admission: { ...DEFAULT_FENCE_POLICY.admission, classes: ["A", "B"] } } });
      const fenceS = (performance.now() - t0) / 1000;
      console.log(`fence policy what-if: ${fence.evaluated} entities in ${fenceS.toFixed(1)} s (${Math.round(fence.evaluated / fenceS)} entities/s); entering ${fence.entering.count}, leaving ${fence.leaving.count}; rss ${rss()} MB`);
      for (const days of [30, 90]) {
        t0 = performance.now();
        const r = await ruleWhatIf({ db, clock, actor: { kind: "cli" }, computeFeatures, parallelChunks }, { definition, days });
        const s = (performance.now() - t0) / 1000;
        console.log(`rule what-if, ${days} days (${r.points.length} points): ${r.evaluated} entities in ${s.toFixed(1)} s (${Math.round(r.evaluated / s)} entities/s); ${r.warnings.count} warnings, ${r.notices.count} notices; rss ${rss()} MB`);
      }
    }
  } finally {
    await drop();
  }
}

/** n entities over eight districts with classes, history and 20% inside; one shop each; events over the last 100 days. */
async function load(db: Database, n: number, perEntity: number): Promise<void> {
  const pid = "01900000-0000-7000-8000-00000000b002";
  await db.orm.execute(sql`insert into platform (id, name, client_id) values (${pid}::uuid, 'bench', 'bench')`);
  await ensureEventPartitions(db, Array.from({ length: 5 }, (_, m) => monthOf(Date.UTC(T.getUTCFullYear(), T.getUTCMonth() - m, 1))));
  await db.orm.execute(sql`
    insert into entity (id, name, entity_type, region_code, address, category, risk_class, class_since, operating_since)
    select gen_random_uuid(), 'e' || g, 'enterprise', (${JSON.stringify(DISTRICTS)}::jsonb ->> (g % ${DISTRICTS.length}))::text, g || ' Bench Road',
      case when g % 3 = 0 then 'food' else 'apparel' end,
      (array['A','A','B','B','B','C','D'])[1 + g % 7], ${T.toISOString()}::timestamptz - ((g % 400) || ' days')::interval,
      ${T.toISOString()}::timestamptz - ((100 + g % 900) || ' days')::interval
    from generate_series(1, ${n}) g`);
  await db.orm.execute(sql`
    insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, created_at)
    select gen_random_uuid(), ${pid}::uuid, e.id::text, e.id, e.name, e.category, e.region_code, e.address, '{}'::jsonb, '2024-01-01T00:00:00Z'
    from entity e`);
  await db.orm.execute(sql`
    insert into sandbox_membership (entity_id, status, since, last_admitted_at, last_actor, policy_version, region_code, updated_at)
    select id, 'inside', ${T.toISOString()}::timestamptz - interval '200 days', ${T.toISOString()}::timestamptz - interval '200 days', 'system', 1, region_code, ${T.toISOString()}::timestamptz
    from entity where abs(hashtext(id::text)) % 5 = 0`);
  await db.orm.execute(sql`
    insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
    select gen_random_uuid(), s.platform_id, s.id, s.entity_id, g || '-' || s.id,
      case when g % 2 = 0 then 'complaint' else 'rating' end,
      ${T.toISOString()}::timestamptz - ((abs(hashtext(s.id::text || g)) % 100) || ' days')::interval - interval '1 hour',
      ${T.toISOString()}::timestamptz, gen_random_uuid(), '{"channel":"platform","reason":"x","score":4.5,"count":10}'::jsonb
    from shop s cross join generate_series(1, ${perEntity}) g`);
  await db.orm.execute(sql`analyze`);
}

await main();
