// Regulator verbs over entity claims and master-data conflicts (see entity-claims.ts): list the
// claimed links and the recorded disagreements inside the caller's region, and confirm a claim
// (officer and up, audited, in one transaction with the re-scoring it causes). A shop outside the
// caller's region, or not a pending claim, is 404.
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, regulator } from "../auth/authorize.js";
import { isoTime, rowsOf } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { requestRescores, type ExchangeContext } from "./context.js";

type EntityClaim = components["schemas"]["EntityClaim"];
type MasterDataConflict = components["schemas"]["MasterDataConflict"];
type Ctx = Pick<ExchangeContext, "deps" | "actor">;

interface ClaimRow extends Record<string, unknown> {
  shop_id: string;
  platform_id: string;
  platform_shop_id: string;
  entity_id: string;
  entity_name: string;
  region_code: string;
  claimed_name: string;
  link: "claimed" | "corroborated";
  created_at: Date | string;
}

const claimOf = (r: ClaimRow): EntityClaim => ({
  shopId: r.shop_id,
  platformId: r.platform_id,
  platformShopId: r.platform_shop_id,
  entityId: r.entity_id,
  entityName: r.entity_name,
  regionCode: r.region_code,
  claimedName: r.claimed_name,
  link: r.link,
  claimedAt: isoTime(r.created_at),
});

const claimColumns = sql`s.id as shop_id, s.platform_id, s.platform_shop_id, e.id as entity_id, e.name as entity_name, e.region_code,
  coalesce(s.record->>'entityName', s.name) as claimed_name, s.link, s.created_at`;

export async function listEntityClaims(ctx: Ctx, input: { region?: string | undefined; limit?: number | undefined }): Promise<EntityClaim[]> {
  const prefix = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  if (prefix === null) return [];
  const rows = await ctx.deps.db.rows<ClaimRow>(sql`
    select ${claimColumns}
    from shop s join entity e on e.id = s.entity_id
    where s.link = 'claimed' and starts_with(e.region_code, ${prefix})
    order by s.created_at, s.id
    limit ${input.limit ?? 100}`);
  return rows.map(claimOf);
}

export async function confirmEntityClaim(ctx: Ctx, input: { shopId: string; reason: string }): Promise<EntityClaim> {
  const { regionPrefix } = authorize(ctx.actor, regulator("officer"));
  const actor = actorLabel(ctx.actor!);
  const { db, clock } = ctx.deps;
  return db.transaction(async (tx) => {
    const now = clock.now();
    const [row] = rowsOf<ClaimRow>(
      await tx.execute(sql`
        update shop s set link = 'corroborated', corroborated_by = 'regulator', corroborated_at = ${now.toISOString()}::timestamptz,
                          updated_at = ${now.toISOString()}::timestamptz
        from entity e
        where s.id = ${input.shopId}::uuid and s.link = 'claimed' and e.id = s.entity_id and starts_with(e.region_code, ${regionPrefix})
        returning ${claimColumns}`),
    );
    if (!row) throw new AppError("NOT_FOUND", "no such claim");
    // Its events now count for the entity.
    await requestRescores(ctx.deps, tx, new Set([row.entity_id]));
    await appendAudit(tx, clock, {
      actor,
      action: "entity.claim_confirm",
      subjectType: "shop",
      subjectId: row.shop_id,
      data: { entityId: row.entity_id, platformId: row.platform_id, platformShopId: row.platform_shop_id, reason: input.reason },
    });
    return claimOf(row);
  });
}

interface ConflictRow extends Record<string, unknown> {
  id: string;
  entity_id: string;
  region_code: string;
  platform_id: string;
  shop_id: string;
  field: MasterDataConflict["field"];
  entity_value: string | null;
  reported_value: string | null;
  link: "claimed" | "corroborated";
  recorded_at: Date | string;
}

export async function listMasterDataConflicts(
  ctx: Ctx,
  input: { region?: string | undefined; entity?: string | undefined; limit?: number | undefined },
): Promise<MasterDataConflict[]> {
  const prefix = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  if (prefix === null) return [];
  const rows = await ctx.deps.db.rows<ConflictRow>(sql`
    select id, entity_id, region_code, platform_id, shop_id, field, entity_value, reported_value, link, recorded_at
    from entity_master_conflict
    where starts_with(region_code, ${prefix}) ${input.entity ? sql`and entity_id = ${input.entity}::uuid` : sql``}
    order by recorded_at desc, id desc
    limit ${input.limit ?? 100}`);
  return rows.map((r) => ({
    id: r.id,
    entityId: r.entity_id,
    regionCode: r.region_code,
    platformId: r.platform_id,
    shopId: r.shop_id,
    field: r.field,
    entityValue: r.entity_value,
    reportedValue: r.reported_value,
    link: r.link,
    recordedAt: isoTime(r.recorded_at),
  }));
}
