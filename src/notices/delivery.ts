// Delivery of a notice through each platform: receipts from the platform (delivered, read), the
// re-sends of notice.issued while no receipt has come, and "undeliverable" after the last one.
// The notice's own delivery_status summarises its platforms: read > delivered > pending >
// undeliverable, so regulators see a notice as undeliverable only when no platform got it through.
import { sql } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import type { Clock } from "../clock.js";
import { isoTime, rowsOf, type Executor } from "../db/client.js";
import type { Publish } from "../exchange/outbound/types.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { EnqueueMany } from "../jobs/index.js";
import { recordStep } from "./cases.js";
import { DELIVERY_CHECK_JOB } from "./job-names.js";
import type { MerchantLinkDeps } from "./link.js";
import { noticeIssuedMessages, platformNotices } from "./messages.js";
import type { NoticeOptions } from "./options.js";

export type NoticeReceipt = components["schemas"]["NoticeReceipt"];

/** Recomputes a notice's delivery summary from its deliveries. */
export async function refreshDeliveryStatus(tx: Executor, noticeId: string): Promise<void> {
  await tx.execute(sql`
    update notice n set
      delivery_status = s.status,
      first_delivered_at = s.first_delivered,
      first_read_at = s.first_read
    from (
      select case when bool_or(status = 'read') then 'read'
                  when bool_or(status = 'delivered') then 'delivered'
                  when bool_or(status = 'pending') then 'pending'
                  else 'undeliverable' end as status,
             min(delivered_at) as first_delivered, min(read_at) as first_read
      from notice_delivery where notice_id = ${noticeId}::uuid
    ) s
    where n.id = ${noticeId}::uuid and s.status is not null`);
}

export interface ReceiptDeps {
  clock: Clock;
}

/**
 * A platform's receipt for its own delivery of a notice (404 for a notice not sent to it).
 * `read` implies delivered; the earliest reported time is kept, a repeat changes nothing. A
 * platform's clock may be off: its time is kept within [issued, now].
 */
export async function recordReceipt(tx: Executor, deps: ReceiptDeps, input: { noticeId: string; platformId: string; receipt: NoticeReceipt }): Promise<void> {
  const now = deps.clock.now();
  const at = input.receipt.at ? new Date(input.receipt.at) : now;
  if (at.getTime() > now.getTime() + 300_000) {
    throw new AppError("VALIDATION_FAILED", "a receipt cannot be dated in the future", { errors: [{ pointer: "/at", message: "after the gateway's clock" }] });
  }
  const read = input.receipt.status === "read";
  const [before] = rowsOf<{ status: string; case_id: string; issued_at: Date | string }>(
    await tx.execute(sql`
      select d.status, c.id as case_id, n.issued_at from notice_delivery d
      join rectification_case c on c.notice_id = d.notice_id join notice n on n.id = d.notice_id
      where d.notice_id = ${input.noticeId}::uuid and d.platform_id = ${input.platformId}::uuid for update of d`),
  );
  if (!before) throw new AppError("NOT_FOUND", "no such notice for this platform");
  const issued = new Date(isoTime(before.issued_at)).getTime();
  const iso = new Date(Math.max(issued, Math.min(at.getTime(), now.getTime()))).toISOString();
  await tx.execute(sql`
    update notice_delivery set
      status = case when ${read} or status = 'read' then 'read' else 'delivered' end,
      delivered_at = least(coalesce(delivered_at, ${iso}::timestamptz), ${iso}::timestamptz),
      read_at = case when ${read} then least(coalesce(read_at, ${iso}::timestamptz), ${iso}::timestamptz) else read_at end,
      shop_id = coalesce(${input.receipt.shopId ?? null}, shop_id)
    where notice_id = ${input.noticeId}::uuid and platform_id = ${input.platformId}::uuid`);
  const firstDelivery = before.status === "pending" || before.status === "undeliverable";
  const firstRead = read && before.status !== "read";
  const actor = `platform:${input.platformId}`;
  if (firstDelivery) await recordStep(tx, before.case_id, now, { action: "delivered", actor, detail: { at: iso, shopId: input.receipt.shopId ?? null } });
  if (firstRead) await recordStep(tx, before.case_id, now, { action: "read", actor, detail: { at: iso } });
  if (firstDelivery || firstRead) await refreshDeliveryStatus(tx, input.noticeId);
}

export interface DeliveryCheckDeps {
  clock: Clock;
  publish: Publish;
  enqueueMany: EnqueueMany;
  options: NoticeOptions;
  link: MerchantLinkDeps;
}

/**
 * The delivery check: every platform still pending gets notice.issued again (attempt n+1),
 * or, when it has had every attempt, is marked undeliverable; nothing once the case is accepted. Schedules the next check while
 * some platform is still pending; the backoff doubles from deliveryRetryMs.
 */
export async function checkDeliveries(tx: Executor, deps: DeliveryCheckDeps, noticeId: string): Promise<{ resent: number; undeliverable: number }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const max = deps.options.deliveryMaxAttempts;
  // An accepted case needs no more sends: the merchant has evidently had the notice.
  const pending = rowsOf<{ platform_id: string; attempts: number; case_id: string }>(
    await tx.execute(sql`
      select d.platform_id, d.attempts, c.id as case_id
      from notice_delivery d join rectification_case c on c.notice_id = d.notice_id
      where d.notice_id = ${noticeId}::uuid and d.status = 'pending' and c.status <> 'accepted'
      order by d.platform_id for update of d`),
  );
  const givingUp = pending.filter((p) => Number(p.attempts) >= max);
  const resend = pending.filter((p) => Number(p.attempts) < max);
  if (givingUp.length > 0) {
    const ids = givingUp.map((p) => p.platform_id);
    await tx.execute(sql`
      update notice_delivery set status = 'undeliverable', undeliverable_at = ${at}::timestamptz
      where notice_id = ${noticeId}::uuid and platform_id in ${idList(ids)}`);
    for (const p of givingUp) {
      await recordStep(tx, p.case_id, now, { action: "undeliverable", actor: "system:notice-delivery", detail: { platformId: p.platform_id, attempts: Number(p.attempts) } });
    }
    await refreshDeliveryStatus(tx, noticeId);
  }
  if (resend.length > 0) {
    const ids = resend.map((p) => p.platform_id);
    await tx.execute(sql`
      update notice_delivery set attempts = attempts + 1, last_sent_at = ${at}::timestamptz
      where notice_id = ${noticeId}::uuid and platform_id in ${idList(ids)}`);
    const notices = await platformNotices(tx, deps.link, ids.map((platformId) => ({ noticeId, platformId })));
    await deps.publish(tx, noticeIssuedMessages(notices));
    // The next check waits twice as long as the last one: retry, 2 x retry, 4 x retry, ...
    const lowest = Math.min(...resend.map((p) => Number(p.attempts)));
    const wait = deps.options.deliveryRetryMs * 2 ** lowest;
    await deps.enqueueMany(tx, [{ job: DELIVERY_CHECK_JOB, payload: { noticeId }, runAt: new Date(now.getTime() + wait), dedupKey: `${DELIVERY_CHECK_JOB}:${noticeId}` }]);
  }
  return { resent: resend.length, undeliverable: givingUp.length };
}
