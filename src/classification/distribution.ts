// Class distribution for regulators: counts A/B/C/D/unclassified by region, category or
// platform, inside the caller's region scope, in ONE aggregate query (grouping sets give the
// groups and the overall total in the same pass; per platform an entity with shops on two
// platforms counts in both groups but once in the total).
import type { Actor } from "../auth/actor.js";
import { authorize, regulator } from "../auth/authorize.js";
import { REGION_NAMES } from "../regulator/regions.js";
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import type { components } from "../generated/openapi.js";

type ClassDistribution = components["schemas"]["ClassDistribution"];
export type GroupBy = "region" | "category" | "platform";

interface Row extends Record<string, unknown> {
  key: string | null;
  label: string | null;
  whole: boolean;
  total: number;
  a: number;
  b: number;
  c: number;
  d: number;
}

const counts = (r: Pick<Row, "total" | "a" | "b" | "c" | "d">) => {
  const [total, A, B, C, D] = [r.total, r.a, r.b, r.c, r.d].map(Number) as [number, number, number, number, number];
  return { total, A, B, C, D, unclassified: total - A - B - C - D };
};

/** Class counts in the caller's region (narrowed to `region` when asked), by region, category or platform. */
export async function classDistributionVerb(
  ctx: { db: Database; actor: Actor },
  q: { region?: string | undefined; platform?: string | undefined; groupBy?: GroupBy | undefined },
): Promise<ClassDistribution> {
  const { scope } = authorize(ctx.actor, regulator("viewer", q.region));
  return classDistribution(ctx.db, { prefix: scope, platformId: q.platform, groupBy: q.groupBy ?? "region" });
}

export async function classDistribution(
  db: Database,
  input: { prefix: string | null; platformId?: string | undefined; groupBy: GroupBy },
): Promise<ClassDistribution> {
  const scope = { regionPrefix: input.prefix ?? "", ...(input.platformId ? { platformId: input.platformId } : {}) };
  if (input.prefix === null) return { scope, counts: { total: 0, A: 0, B: 0, C: 0, D: 0, unclassified: 0 }, groups: [] };
  const where: SQL[] = [sql`starts_with(e.region_code, ${input.prefix})`];
  if (input.platformId) where.push(sql`exists (select 1 from shop s where s.entity_id = e.id and s.platform_id = ${input.platformId}::uuid)`);
  const filter = sql.join(where, sql` and `);
  const tally = (id: SQL) => sql`
    count(distinct ${id})::int as total,
    count(distinct ${id}) filter (where e.risk_class = 'A')::int as a,
    count(distinct ${id}) filter (where e.risk_class = 'B')::int as b,
    count(distinct ${id}) filter (where e.risk_class = 'C')::int as c,
    count(distinct ${id}) filter (where e.risk_class = 'D')::int as d`;
  let query: SQL;
  if (input.groupBy === "platform") {
    // Only the chosen platform's groups when one is given; otherwise every platform.
    const shopFilter = input.platformId ? sql` and sp.platform_id = ${input.platformId}::uuid` : sql``;
    query = sql`
      select sp.platform_id::text as key, max(p.name) as label, grouping(sp.platform_id) = 1 as whole, ${tally(sql`e.id`)}
      from entity e
      left join (select distinct entity_id, platform_id from shop) sp on sp.entity_id = e.id${shopFilter}
      left join platform p on p.id = sp.platform_id
      where ${filter}
      group by grouping sets ((sp.platform_id), ())
      order by whole, key`;
  } else {
    const col = input.groupBy === "region" ? sql`e.region_code` : sql`e.category`;
    // Plain counts (no join, one row per entity), so count(*) instead of count(distinct).
    query = sql`
      select ${col} as key, null as label, grouping(${col}) = 1 as whole,
        count(*)::int as total,
        count(*) filter (where e.risk_class = 'A')::int as a,
        count(*) filter (where e.risk_class = 'B')::int as b,
        count(*) filter (where e.risk_class = 'C')::int as c,
        count(*) filter (where e.risk_class = 'D')::int as d
      from entity e
      where ${filter}
      group by grouping sets ((${col}), ())
      order by whole, key`;
  }
  const rows = await db.rows<Row>(query);
  const whole = rows.find((r) => r.whole === true || (r.whole as unknown) === "t");
  const groups = rows
    .filter((r) => r !== whole)
    .map((r) => {
      // Region groups are labelled with the district's name where the reference data has one.
      const label = r.label ?? (input.groupBy === "region" && r.key ? REGION_NAMES[r.key] : undefined);
      return { key: r.key ?? "none", ...(label ? { label } : {}), ...counts(r) };
    });
  return { scope, counts: whole ? counts(whole) : { total: 0, A: 0, B: 0, C: 0, D: 0, unclassified: 0 }, groups };
}
