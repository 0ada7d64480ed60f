// The platform's notice verbs: read a notice sent to it, report its delivery. The calling
// platform and its scope are checked here, and a notice not sent to it is 404 like one that
// does not exist (a platform never learns of another platform's notices).
import { sql } from "drizzle-orm";
import { authorize, ownPlatform } from "../auth/authorize.js";
import { AppError } from "../http/errors.js";
import { linkDeps, type NoticeContext } from "./deps.js";
import { recordReceipt, type NoticeReceipt } from "./delivery.js";
import { platformNotices, type PlatformNotice } from "./messages.js";
import { readDeliveries } from "./notice-views.js";

type Ctx = NoticeContext<"signer" | "issuer">;

export async function readPlatformNotice(ctx: Ctx, input: { noticeId: string }): Promise<PlatformNotice> {
  const me = authorize(ctx.actor, ownPlatform("entities:read"));
  const [notice] = await platformNotices(ctx.db.orm, linkDeps(ctx), [{ noticeId: input.noticeId, platformId: me.platformId }]);
  if (!notice) throw new AppError("NOT_FOUND", "no such notice for this platform");
  return notice;
}

export async function reportReceipt(ctx: Ctx, input: { noticeId: string; receipt: NoticeReceipt }): Promise<PlatformNotice["delivery"]> {
  const me = authorize(ctx.actor, ownPlatform("notices:write"));
  const platformId = me.platformId;
  await ctx.db.transaction((tx) => recordReceipt(tx, ctx, { noticeId: input.noticeId, platformId, receipt: input.receipt }));
  const [own] = await readDeliveries(ctx.db.orm, sql`d.notice_id = ${input.noticeId}::uuid and d.platform_id = ${platformId}::uuid`);
  return own!.delivery;
}
