// Monitoring evaluation at full-run scale: classification's hook calls monitoring.evaluate for
// every chunk of 2,000 entities (1.57M entities a day in Chengdu), passing the indicator rows it
// has just computed. This measures evaluate alone on such chunks (indicators computed beforehand
// and passed in, as the hook does), with the built-in rules:
//   - quiet: a population where about 1 entity in 100 trips a rule (the normal case);
//   - storm: every entity trips three complaint rules (worst case: 6,000 hits per chunk, each
//     with its evidence events), first raising and then refreshing the warnings.
//
//   npm run bench -- monitoring-evaluate [--entities 20000] [--events 30] [--chunk 2000]
//
// PostgreSQL when DATABASE_URL is set (a fresh database is created and dropped), else PGlite in
// memory. Events are generated in SQL (not through the API): this measures the evaluation.
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { computeFeatures } from "../src/classification/index.js";
import { ManualClock } from "../src/clock.js";
import type { Database } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { benchSystem, openScratchDatabase } from "./support/scratch-database.js";
import { ensureEventPartitions, monthOf } from "../src/exchange/partitions.js";

const DAY = 86_400_000;
const T = new Date("2026-06-15T00:00:00Z");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entities: { type: "string", default: "20000" }, events: { type: "string", default: "30" }, chunk: { type: "string", default: "2000" } } });
  const [n, perEntity, chunk] = [Number(values.entities), Number(values.events), Number(values.chunk)];
  const { db, drop } = await openScratchDatabase("bench_mon");
  try {
    await migrate(db);
    const clock = new ManualClock(T);
    const system = benchSystem(db, clock);
    await system.monitoring.start();
    const t0 = performance.now();
    await load(db, n, perEntity);
    console.log(`loaded ${n} entities, ${n * perEntity} events in ${((performance.now() - t0) / 1000).toFixed(1)} s (${db.kind})`);
    const ids = (await db.rows<{ id: string }>(sql`select id::text as id from entity order by id`)).map((r) => r.id);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += chunk) chunks.push(ids.slice(i, i + chunk));

    const run = async (label: string, asOf: Date) => {
      const times: number[] = [];
      let hits = 0;
      let raised = 0;
      for (const c of chunks) {
        const indicators = await computeFeatures(db.orm, c, asOf);
        const t = performance.now();
        const out = await db.transaction((tx) => system.monitoring.evaluate(tx, { entityIds: c, asOf, trigger: "run", indicators }));
        times.push(performance.now() - t);
        hits += out.hits;
        raised += out.raised.length;
      }
      times.sort((a, b) => a - b);
      const total = times.reduce((s, x) => s + x, 0);
      console.log(
        `${label}: ${chunks.length} chunks of ${chunk}: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms, ` +
          `${((ids.length / total) * 1000).toFixed(0)} entities/s; ${hits} hits, ${raised} new warnings`,
      );
    };
    await run("quiet", T);
    // Storm: 25 complaints in the last 5 days for every entity.
    await db.orm.execute(sql`
      insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
      select gen_random_uuid(), s.platform_id, s.id, s.entity_id, 'storm-' || g || '-' || s.id, 'complaint',
        ${T.toISOString()}::timestamptz - (g * 4 || ' hours')::interval, ${T.toISOString()}::timestamptz, gen_random_uuid(),
        '{"channel":"platform","reason":"storm"}'::jsonb
      from shop s cross join generate_series(1, 25) g`);
    await db.orm.execute(sql`analyze event`);
    await run("storm, raising", T);
    await run("storm, refreshing", new Date(T.getTime() + 3_600_000));
  } finally {
    await drop();
  }
}

/** n food/apparel entities, one shop each, `perEntity` events over the last year (1% of them litigated). */
async function load(db: Database, n: number, perEntity: number): Promise<void> {
  const pid = "01900000-0000-7000-8000-00000000b001";
  await db.orm.execute(sql`insert into platform (id, name, client_id) values (${pid}::uuid, 'bench', 'bench')`);
  await ensureEventPartitions(db, Array.from({ length: 14 }, (_, m) => monthOf(Date.UTC(T.getUTCFullYear(), T.getUTCMonth() - m, 1))));
  await db.orm.execute(sql`
    insert into entity (id, name, entity_type, region_code, address, category)
    select gen_random_uuid(), 'e' || g, 'enterprise', '510104', g || ' Bench Road', case when g % 3 = 0 then 'food' else 'apparel' end
    from generate_series(1, ${n}) g`);
  await db.orm.execute(sql`
    insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, created_at)
    select gen_random_uuid(), ${pid}::uuid, e.id::text, e.id, e.name, e.category, e.region_code, e.address, '{}'::jsonb, '2024-01-01T00:00:00Z'
    from entity e`);
  await db.orm.execute(sql`
    insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
    select gen_random_uuid(), s.platform_id, s.id, s.entity_id, g || '-' || s.id,
      case when g = 1 and abs(hashtext(s.id::text)) % 100 = 0 then 'litigation' when g % 3 = 0 then 'complaint' else 'rating' end,
      ${T.toISOString()}::timestamptz - ((g * 360 / ${perEntity}) || ' days')::interval - interval '1 hour',
      ${T.toISOString()}::timestamptz, gen_random_uuid(),
      case when g = 1 then '{"role":"defendant","caseType":"contract"}'::jsonb else '{"channel":"platform","reason":"x","score":4.5,"count":10}'::jsonb end
    from shop s cross join generate_series(1, ${perEntity}) g`);
  await db.orm.execute(sql`analyze`);
}

await main();
