// Finding an entity (GET /v1/regulator/entities?q=): by USCC, by a platform's shop id, or by a
// fragment of its name — the three things an officer has in hand when a complaint comes in.
// The region scope is part of the one statement's WHERE, so an entity outside it never matches,
// however it would have matched. Pages are keyset by (name, id): stable while entities arrive.
import { ANY_TEXT, decodeKeyset, encodeKeyset, UUID_PATTERN } from "../db/keyset.js";
import { sql, type SQL } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import { authorize, regulator } from "../auth/authorize.js";
import type { Database } from "../db/client.js";
import type { components } from "../generated/openapi.js";

type EntitySearchPage = components["schemas"]["EntitySearchPage"];
type Match = EntitySearchPage["entities"][number];

export interface EntitySearchInput {
  q: string;
  region?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  uscc: string | null;
  region_code: string;
  category: string;
  risk_class: Match["riskClass"];
  by_uscc: boolean | string;
  by_shop: boolean | string;
}

const truthy = (v: boolean | string): boolean => v === true || v === "t" || v === "true";

export async function searchRegulatorEntities(ctx: { db: Database; actor: Actor }, input: EntitySearchInput): Promise<EntitySearchPage> {
  // Authorisation first: any regulator reads inside its own prefix (narrowed by `region`).
  const prefix = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  if (prefix === null) return { entities: [], nextCursor: null };
  const q = input.q.trim();
  if (q === "") return { entities: [], nextCursor: null };
  const limit = input.limit ?? 20;
  const after: SQL = input.cursor
    ? (() => {
        const [name, id] = decodeKeyset(input.cursor, [ANY_TEXT, UUID_PATTERN]);
        return sql` and (e.name, e.id) > (${name}, ${id}::uuid)`;
      })()
    : sql``;
  const rows = await ctx.db.rows<Row>(sql`
    select e.id::text as id, e.name, e.uscc, e.region_code, e.category, e.risk_class,
           (e.uscc is not null and upper(e.uscc) = upper(${q})) as by_uscc,
           exists (select 1 from shop s where s.entity_id = e.id and s.platform_shop_id = ${q}) as by_shop
    from entity e
    where starts_with(e.region_code, ${prefix})
      and ((e.uscc is not null and upper(e.uscc) = upper(${q}))
           or exists (select 1 from shop s where s.entity_id = e.id and s.platform_shop_id = ${q})
           or strpos(lower(e.name), lower(${q})) > 0)${after}
    order by e.name, e.id
    limit ${limit + 1}`);
  const page = rows.slice(0, limit);
  return {
    entities: page.map((r) => ({
      entityId: r.id,
      name: r.name,
      uscc: r.uscc,
      regionCode: r.region_code,
      category: r.category,
      riskClass: r.risk_class ?? null,
      matchedBy: truthy(r.by_uscc) ? "uscc" : truthy(r.by_shop) ? "shop" : "name",
    })),
    nextCursor: rows.length > limit ? encodeKeyset([page[page.length - 1]!.name, page[page.length - 1]!.id]) : null,
  };
}
