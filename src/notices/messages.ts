// What a platform receives about a notice: the notice.issued message (at issue and on every
// re-send) and GET /v1/notices/{id} share one shape, PlatformNotice, built here for a set of
// (notice, platform) pairs in a fixed number of statements. Each carries a freshly signed token
// of the platform's live merchant link for the notice (issued here when it has none: at issue,
// or after the last one was revoked).
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { rowsOf, type Executor, isoTime as iso, isoTimeOrNull as isoOrNull } from "../db/client.js";
import { joinsAsWritten } from "../db/join-order.js";
import type { components } from "../generated/openapi.js";
import type { OutboundMessage } from "../exchange/outbound/types.js";
import { merchantUrl, mintMerchantToken, type MerchantLinkDeps } from "./link.js";

export type PlatformNotice = components["schemas"]["PlatformNotice"];

interface Row extends Record<string, unknown> {
  notice_id: string;
  notice_no: string;
  entity_id: string;
  title: string;
  body: string;
  legal_basis: string;
  facts: string;
  rectify: string;
  issued_at: Date | string;
  due_at: Date | string;
  link_expires_at: Date | string;
  case_id: string;
  case_status: PlatformNotice["caseStatus"];
  platform_id: string;
  platform_name: string;
  status: PlatformNotice["delivery"]["status"];
  attempts: number;
  last_sent_at: Date | string | null;
  delivered_at: Date | string | null;
  read_at: Date | string | null;
  undeliverable_at: Date | string | null;
  shop_ids: string[] | string;
  link_id: string;
}

/** The notices as each platform sees them; pairs without a delivery row are left out. */
export async function platformNotices(
  on: Executor,
  link: MerchantLinkDeps,
  pairs: ReadonlyArray<{ noticeId: string; platformId: string }>,
): Promise<PlatformNotice[]> {
  if (pairs.length === 0) return [];
  const candidates = JSON.stringify(pairs.map((p) => ({ ...p, linkId: uuidv7() })));
  // A live link per pair: the existing one, or the candidate id (a concurrent send that issued
  // one first wins; its id is read back below).
  await on.execute(sql`
    insert into merchant_link (id, notice_id, platform_id, issued_at, expires_at)
    select x."linkId", n.id, d.platform_id, ${link.clock.now().toISOString()}::timestamptz, n.link_expires_at
    from jsonb_to_recordset(${candidates}::jsonb) as x("noticeId" uuid, "platformId" uuid, "linkId" uuid)
    join notice n on n.id = x."noticeId"
    join notice_delivery d on d.notice_id = n.id and d.platform_id = x."platformId"
    on conflict (notice_id, platform_id) where revoked_at is null do nothing`);
  // Five index lookups from each pair, in the order written (planning them was most of the cost).
  const rows = rowsOf<Row>(
    await joinsAsWritten(on, (tx) => tx.execute(sql`
      with pair as (
        select * from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as x("noticeId" uuid, "platformId" uuid)
      )
      select n.id as notice_id, n.notice_no, n.entity_id, n.title, n.body, n.legal_basis, n.facts, n.rectify, n.issued_at, n.due_at,
             n.link_expires_at, c.id as case_id, c.status as case_status, d.platform_id, p.name as platform_name, d.status, d.attempts,
             d.last_sent_at, d.delivered_at, d.read_at, d.undeliverable_at, l.id as link_id,
             (select coalesce(jsonb_agg(s.platform_shop_id order by s.platform_shop_id), '[]'::jsonb) from shop s
               where s.entity_id = n.entity_id and s.platform_id = d.platform_id and s.link = 'corroborated') as shop_ids
      from pair
      join notice n on n.id = pair."noticeId"
      join notice_delivery d on d.notice_id = n.id and d.platform_id = pair."platformId"
      join platform p on p.id = d.platform_id
      join rectification_case c on c.notice_id = n.id
      join merchant_link l on l.notice_id = n.id and l.platform_id = d.platform_id and l.revoked_at is null
      order by n.issued_at, n.id, d.platform_id`)),
  );
  const out: PlatformNotice[] = [];
  for (const r of rows) {
    const expiresAt = new Date(iso(r.link_expires_at));
    const token = await mintMerchantToken(link, { noticeId: r.notice_id, entityId: r.entity_id, linkId: r.link_id }, expiresAt);
    out.push({
      noticeId: r.notice_id,
      noticeNo: r.notice_no,
      entityId: r.entity_id,
      shopIds: typeof r.shop_ids === "string" ? (JSON.parse(r.shop_ids) as string[]) : r.shop_ids,
      title: r.title,
      body: r.body,
      legalBasis: r.legal_basis,
      facts: r.facts,
      rectify: r.rectify,
      issuedAt: iso(r.issued_at),
      dueAt: iso(r.due_at),
      merchantUrl: merchantUrl(link.issuer, token),
      merchantUrlExpiresAt: expiresAt.toISOString(),
      merchantLinkId: r.link_id,
      caseId: r.case_id,
      caseStatus: r.case_status,
      delivery: {
        platformId: r.platform_id,
        platformName: r.platform_name,
        status: r.status,
        attempts: Number(r.attempts),
        lastSentAt: isoOrNull(r.last_sent_at),
        deliveredAt: isoOrNull(r.delivered_at),
        readAt: isoOrNull(r.read_at),
        undeliverableAt: isoOrNull(r.undeliverable_at),
      },
    });
  }
  return out;
}

/** The notice.issued messages for these notices' platforms (the delivery status is left out: it is the platform's to report). */
export function noticeIssuedMessages(notices: readonly PlatformNotice[]): OutboundMessage[] {
  return notices.map(({ delivery, ...n }) => ({
    platformId: delivery.platformId,
    type: "notice.issued" as const,
    entityId: n.entityId,
    data: { ...n, attempt: delivery.attempts },
  }));
}
