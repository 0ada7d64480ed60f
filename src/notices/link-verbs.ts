// Revoking merchant links. A platform revokes its own link for a notice (sent to the wrong
// person, say); an officer revokes any of a notice's links inside their region. Every copy of a
// revoked link's token stops working at once (merchant-auth.ts checks the row); the platform's
// next read or re-send of the notice issues a new link. Audited with who did it and why.
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, ownPlatform, regulator } from "../auth/authorize.js";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { NoticeContext } from "./deps.js";

export type RevokedLinks = components["schemas"]["RevokedMerchantLinks"];

const notFound = () => new AppError("NOT_FOUND", "no such notice");

/** The calling platform revokes its own live link for a notice sent to it. */
export async function revokeOwnMerchantLink(ctx: NoticeContext, input: { noticeId: string; reason: string }): Promise<RevokedLinks> {
  const me = authorize(ctx.actor, ownPlatform("notices:write"));
  return ctx.db.transaction(async (tx) => {
    const sent = rowsOf<{ one: number }>(
      await tx.execute(sql`select 1 as one from notice_delivery where notice_id = ${input.noticeId}::uuid and platform_id = ${me.platformId}::uuid`),
    );
    if (sent.length === 0) throw notFound();
    return revoke(tx, ctx, { noticeId: input.noticeId, platformId: me.platformId, reason: input.reason });
  });
}

/** An officer revokes a notice's live links (one platform's, or all) inside their region. */
export async function revokeMerchantLinks(ctx: NoticeContext, input: { noticeId: string; reason: string; platformId?: string | undefined }): Promise<RevokedLinks> {
  const grant = authorize(ctx.actor, regulator("officer"));
  return ctx.db.transaction(async (tx) => {
    const inRegion = rowsOf<{ one: number }>(
      await tx.execute(sql`select 1 as one from notice where id = ${input.noticeId}::uuid and starts_with(region_code, ${grant.regionPrefix})`),
    );
    if (inRegion.length === 0) throw notFound();
    return revoke(tx, ctx, input);
  });
}

async function revoke(tx: Executor, ctx: NoticeContext, input: { noticeId: string; reason: string; platformId?: string | undefined }): Promise<RevokedLinks> {
  const by = actorLabel(ctx.actor);
  const at = ctx.clock.now().toISOString();
  const rows = rowsOf<{ id: string; platform_id: string; issued_at: Date | string; revoked_at: Date | string }>(
    await tx.execute(sql`
      update merchant_link set revoked_at = ${at}::timestamptz, revoked_by = ${by}, revoke_reason = ${input.reason}
      where notice_id = ${input.noticeId}::uuid and revoked_at is null
        ${input.platformId !== undefined ? sql`and platform_id = ${input.platformId}::uuid` : sql``}
      returning id, platform_id, issued_at, revoked_at`),
  );
  const revoked = rows
    .map((r) => ({ linkId: r.id, platformId: r.platform_id, issuedAt: iso(r.issued_at), revokedAt: iso(r.revoked_at) }))
    .sort((a, b) => a.platformId.localeCompare(b.platformId));
  await appendAudit(tx, ctx.clock, {
    actor: by,
    action: "notice.merchant_link.revoke",
    subjectType: "notice",
    subjectId: input.noticeId,
    data: { reason: input.reason, links: revoked.map((r) => ({ linkId: r.linkId, platformId: r.platformId })) },
  });
  return { noticeId: input.noticeId, revoked };
}
