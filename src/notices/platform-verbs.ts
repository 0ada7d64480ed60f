// The platform's notice verbs: read a notice sent to it, report its delivery. The calling
// platform and its scope are checked here, and a notice not sent to it is 404 like one that
// does not exist (a platform never learns of another platform's notices).
import { sql } from "drizzle-orm";
import { authorize, ownPlatform } from "../auth/authorize.js";
import type { Principal } from "../http/context.js";
import { AppError } from "../http/errors.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { recordReceipt, type NoticeReceipt } from "./delivery.js";
import { platformNotices, type PlatformNotice } from "./messages.js";
import { readDeliveries } from "./notice-views.js";

type Deps = Pick<NoticesDeps, "db" | "clock" | "signer" | "issuer">;

export async function readPlatformNotice(deps: Deps, principal: Principal | undefined, noticeId: string): Promise<PlatformNotice> {
  const me = authorize(principal, ownPlatform("entities:read"));
  const [notice] = await platformNotices(deps.db.orm, linkDeps(deps), [{ noticeId, platformId: me.platformId }]);
  if (!notice) throw new AppError("NOT_FOUND", "no such notice for this platform");
  return notice;
}

export async function reportReceipt(
  deps: Deps,
  principal: Principal | undefined,
  input: { noticeId: string; receipt: NoticeReceipt },
): Promise<PlatformNotice["delivery"]> {
  const me = authorize(principal, ownPlatform("notices:write"));
  const platformId = me.platformId;
  await deps.db.transaction((tx) => recordReceipt(tx, deps, { noticeId: input.noticeId, platformId, receipt: input.receipt }));
  const [own] = await readDeliveries(deps.db.orm, sql`d.notice_id = ${input.noticeId}::uuid and d.platform_id = ${platformId}::uuid`);
  return own!.delivery;
}
