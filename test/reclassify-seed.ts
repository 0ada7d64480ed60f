// Test data for full runs, the model lifecycle and the regulator views, written set-based in
// SQL (a few statements whatever n is): entities in two districts and several categories, a
// shop each on one or two platforms, opened two years ago, with complaints, ratings and
// confirmed violations spread so that classes differ (deterministic in the entity number).
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.js";

export interface SeedOptions {
  n: number;
  platformIds: readonly string[];
  /** Events are dated relative to this instant (default now). */
  now?: Date;
  regions?: readonly string[];
  /** Prefix of the entity names (distinct seeds in one database). */
  tag?: string;
}

const CATEGORIES = ["food", "apparel", "electronics", "cosmetics", "household"];

export async function seedEntities(db: Database, o: SeedOptions): Promise<string[]> {
  const now = o.now ?? new Date();
  const regions = o.regions ?? ["510104", "510107"];
  const tag = o.tag ?? "seed";
  for (let m = 0; m < 30; m++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 1));
    await db.rows(sql`select ensure_event_partition(${d.toISOString().slice(0, 10)}::date)`);
  }
  const at = now.toISOString();
  const rows = await db.rows<{ id: string }>(sql`
    insert into entity (id, name, entity_type, region_code, address, category, created_at, updated_at)
    select md5(${tag} || i)::uuid, ${tag} || ' entity ' || i, 'enterprise',
           (${`{${regions.join(",")}}`}::text[])[1 + i % ${regions.length}],
           'No. ' || i || ' Test Road', (${`{${CATEGORIES.join(",")}}`}::text[])[1 + i % ${CATEGORIES.length}],
           ${at}::timestamptz, ${at}::timestamptz
    from generate_series(1, ${o.n}) i
    returning id`);
  // One shop per entity on the first platform; every third entity also sells on the second.
  for (const [k, platformId] of o.platformIds.entries()) {
    await db.rows(sql`
      insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, record, opened_at, created_at, updated_at)
      select md5(${tag} || 'shop' || ${k} || '-' || i)::uuid, ${platformId}::uuid, ${tag} || '-' || i, md5(${tag} || i)::uuid,
             'Shop ' || i, e.category, e.region_code, e.address, '{}'::jsonb,
             ${at}::timestamptz - interval '730 days', ${at}::timestamptz, ${at}::timestamptz
      from generate_series(1, ${o.n}) i join entity e on e.id = md5(${tag} || i)::uuid
      where ${k} = 0 or i % 3 = 0`);
  }
  // Complaints: (i % 9) in the last 80 days; ratings; a confirmed violation for every 7th
  // entity in each of the last two years (labels for training on both sides of a cut).
  await db.rows(sql`
    insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
    select md5(${tag} || 'ev' || i || '-' || j)::uuid, ${o.platformIds[0]!}::uuid, md5(${tag} || 'shop0-' || i)::uuid, md5(${tag} || i)::uuid,
           ${tag} || '-c-' || i || '-' || j, 'complaint', ${at}::timestamptz - (j * 8 || ' days')::interval, ${at}::timestamptz,
           md5('batch')::uuid, '{"channel":"platform","reason":"quality"}'::jsonb
    from generate_series(1, ${o.n}) i, generate_series(1, 8) j where j <= i % 9`);
  await db.rows(sql`
    insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
    select md5(${tag} || 'vi' || i || '-' || y)::uuid, ${o.platformIds[0]!}::uuid, md5(${tag} || 'shop0-' || i)::uuid, md5(${tag} || i)::uuid,
           ${tag} || '-v-' || i || '-' || y, 'violation_confirmed', ${at}::timestamptz - ((30 + y * 365 + (i * 37) % 330) || ' days')::interval, ${at}::timestamptz,
           md5('batch')::uuid, '{"severity":"minor","authority":"SAMR","caseNumber":"T-1"}'::jsonb
    from generate_series(1, ${o.n}) i, generate_series(0, 1) y where (i + y) % 7 = 0`);
  return rows.map((r) => r.id);
}
