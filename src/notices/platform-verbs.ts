// The platform's notice verbs: read a notice sent to it, report its delivery. The calling
// platform and its scope are checked here, and a notice not sent to it is 404 like one that
// does not exist (a platform never learns of another platform's notices).
import { sql } from "drizzle-orm";
import { requirePlatformScope } from "../exchange/context.js";
import type { Principal } from "../http/context.js";
import { rowsOf, isoTimeOrNull as isoOrNull } from "../db/client.js";
import { AppError } from "../http/errors.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { recordReceipt, type NoticeReceipt } from "./delivery.js";
import { platformNotices, type PlatformNotice } from "./messages.js";

type Deps = Pick<NoticesDeps, "db" | "clock" | "signer" | "issuer">;

export async function readPlatformNotice(deps: Deps, principal: Principal | undefined, noticeId: string): Promise<PlatformNotice> {
  const me = requirePlatformScope(principal, "entities:read");
  const [notice] = await platformNotices(deps.db.orm, linkDeps(deps), [{ noticeId, platformId: me.platformId }]);
  if (!notice) throw new AppError("NOT_FOUND", "no such notice for this platform");
  return notice;
}

export async function reportReceipt(
  deps: Deps,
  principal: Principal | undefined,
  input: { noticeId: string; receipt: NoticeReceipt },
): Promise<PlatformNotice["delivery"]> {
  const me = requirePlatformScope(principal, "notices:write");
  const platformId = me.platformId;
  await deps.db.transaction((tx) => recordReceipt(tx, deps, { noticeId: input.noticeId, platformId, receipt: input.receipt }));
  const [d] = rowsOf<{ status: PlatformNotice["delivery"]["status"]; attempts: number; name: string } & Record<string, Date | string | null>>(
    await deps.db.orm.execute(sql`
      select d.status, d.attempts, p.name, d.last_sent_at, d.delivered_at, d.read_at, d.undeliverable_at
      from notice_delivery d join platform p on p.id = d.platform_id
      where d.notice_id = ${input.noticeId}::uuid and d.platform_id = ${platformId}::uuid`),
  );
  return {
    platformId,
    platformName: d!.name,
    status: d!.status,
    attempts: Number(d!.attempts),
    lastSentAt: isoOrNull(d!.last_sent_at),
    deliveredAt: isoOrNull(d!.delivered_at),
    readAt: isoOrNull(d!.read_at),
    undeliverableAt: isoOrNull(d!.undeliverable_at),
  };
}
