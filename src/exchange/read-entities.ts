// Read verbs: a platform's view of an entity it has shops for and a platform's own batch (the
// regulator's entity profile lives in src/regulator/entity-profile.ts). "Not yours" is always 404, never
// 403, so nobody learns that an id exists outside what they may see.
import { and, eq, sql } from "drizzle-orm";
import type { components } from "../generated/openapi.js";
import { entity, shop } from "../db/schema/entity.js";
import { sandboxMembership } from "../db/schema/sandbox.js";
import { AppError } from "../http/errors.js";
import { findOwnBatch } from "./batch-store.js";
import { authorize, ownPlatform } from "../auth/authorize.js";
import type { ExchangeContext } from "./context.js";

type EntityStatus = components["schemas"]["EntityStatus"];
type BatchSummary = components["schemas"]["BatchSummary"];

const notFound = (what: string) => new AppError("NOT_FOUND", `no such ${what}`);

export async function getEntityStatus(ctx: Pick<ExchangeContext, "deps" | "actor">, input: { entityId: string }): Promise<EntityStatus> {
  const caller = authorize(ctx.actor, ownPlatform("entities:read"));
  const rows = await ctx.deps.db.orm
    .select({ e: entity, shopId: shop.platformShopId, sandbox: sandboxMembership.status })
    .from(entity)
    .innerJoin(shop, and(eq(shop.entityId, entity.id), eq(shop.platformId, caller.platformId), eq(shop.link, "corroborated")))
    .leftJoin(sandboxMembership, eq(sandboxMembership.entityId, entity.id))
    .where(eq(entity.id, input.entityId))
    .orderBy(shop.platformShopId);
  const e = rows[0]?.e;
  if (!e) throw notFound("entity");
  // Open notices: the entity's rectification cases not (yet) accepted, of notices sent to this platform.
  const [open] = await ctx.deps.db.rows<{ n: number | string }>(sql`
    select count(*)::int as n from rectification_case c
    where c.entity_id = ${e.id}::uuid and c.status <> 'accepted'
      and exists (select 1 from notice_delivery d where d.notice_id = c.notice_id and d.platform_id = ${caller.platformId}::uuid)`);
  return {
    entityId: e.id,
    name: e.name,
    regionCode: e.regionCode,
    category: e.category,
    // Null until the classification issue lands and fills the denormalised columns.
    riskClass: e.riskClass ?? null,
    classifiedAt: e.classifiedAt?.toISOString() ?? null,
    // No membership row: never admitted.
    sandbox: rows[0]?.sandbox ?? "outside",
    openNotices: Number(open?.n ?? 0),
    shops: rows.map((r) => r.shopId),
  };
}

export async function getBatch(ctx: Pick<ExchangeContext, "deps" | "actor">, input: { batchId: string }): Promise<BatchSummary> {
  const caller = authorize(ctx.actor, ownPlatform());
  const b = await findOwnBatch(ctx.deps.db.orm, caller.platformId, input.batchId);
  if (!b) throw notFound("batch");
  return {
    batchId: b.id,
    kind: b.kind,
    receivedAt: b.receivedAt.toISOString(),
    bodySha256: b.bodySha256,
    kid: b.kid ?? "", // always set on a platform's batch (check batch_evidence)
    recordCount: b.recordCount,
    accepted: b.accepted,
    duplicates: b.duplicates,
    rejected: b.rejected,
    receipt: b.receipt ?? "",
  };
}
