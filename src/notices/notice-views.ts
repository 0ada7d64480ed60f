// Notices as regulators see them (the spec's Notice): the notice's own columns, its case's id and
// status, and its deliveries per platform with the platforms' names. A page of notices is read in
// two statements (the notices, then every delivery of those notices), never one per notice.
import { sql, type SQL } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor, isoTime as iso, isoTimeOrNull as isoOrNull } from "../db/client.js";
import type { components } from "../generated/openapi.js";

export type NoticeView = components["schemas"]["Notice"];
type DeliveryView = components["schemas"]["NoticeDelivery"];

export interface NoticeRow extends Record<string, unknown> {
  id: string;
  notice_no: string;
  entity_id: string;
  entity_name: string;
  region_code: string;
  source: NoticeView["source"];
  warning_id: string | null;
  rule_key: string | null;
  template_key: string;
  template_version: number;
  title: string;
  body: string;
  legal_basis: string;
  facts: string;
  rectify: string;
  issued_by: string;
  issued_at: Date | string;
  due_at: Date | string;
  delivery_status: NoticeView["deliveryStatus"];
  case_id: string;
  case_status: NoticeView["caseStatus"];
}

interface DeliveryRow extends Record<string, unknown> {
  notice_id: string;
  platform_id: string;
  platform_name: string;
  status: DeliveryView["status"];
  attempts: number;
  last_sent_at: Date | string | null;
  delivered_at: Date | string | null;
  read_at: Date | string | null;
  undeliverable_at: Date | string | null;
}

/** `select ... from notice n join entity e join rectification_case c` — callers add where/order/limit. */
export const NOTICE_SELECT = sql`
  select n.id::text as id, n.notice_no, n.entity_id::text as entity_id, e.name as entity_name, n.region_code, n.source,
    n.warning_id::text as warning_id, n.rule_key, n.template_key, n.template_version, n.title, n.body, n.legal_basis, n.facts,
    n.rectify, n.issued_by, n.issued_at, n.due_at, n.delivery_status, c.id::text as case_id, c.status as case_status
  from notice n join entity e on e.id = n.entity_id join rectification_case c on c.notice_id = n.id`;

/** The notices matching `where`, in the order given, with their deliveries. */
export async function readNotices(on: Executor, where: SQL, orderAndLimit: SQL = sql``): Promise<{ rows: NoticeRow[]; views: NoticeView[] }> {
  const rows = rowsOf<NoticeRow>(await on.execute(sql`${NOTICE_SELECT} where ${where} ${orderAndLimit}`));
  return { rows, views: await withDeliveries(on, rows) };
}

/** One notice by id inside a region prefix, or null. */
export async function readNotice(on: Executor, noticeId: string, prefix: string): Promise<NoticeView | null> {
  const { views } = await readNotices(on, sql`n.id = ${noticeId}::uuid and starts_with(n.region_code, ${prefix})`);
  return views[0] ?? null;
}

/** Deliveries matching `where` (over notice_delivery d), with their platforms' names. */
export async function readDeliveries(on: Executor, where: SQL): Promise<Array<{ noticeId: string; delivery: DeliveryView }>> {
  const rows = rowsOf<DeliveryRow>(
    await on.execute(sql`
      select d.notice_id::text as notice_id, d.platform_id::text as platform_id, p.name as platform_name, d.status, d.attempts,
             d.last_sent_at, d.delivered_at, d.read_at, d.undeliverable_at
      from notice_delivery d join platform p on p.id = d.platform_id
      where ${where}
      order by d.notice_id, p.name, d.platform_id`),
  );
  return rows.map((d) => ({
    noticeId: d.notice_id,
    delivery: {
      platformId: d.platform_id,
      platformName: d.platform_name,
      status: d.status,
      attempts: Number(d.attempts),
      lastSentAt: isoOrNull(d.last_sent_at),
      deliveredAt: isoOrNull(d.delivered_at),
      readAt: isoOrNull(d.read_at),
      undeliverableAt: isoOrNull(d.undeliverable_at),
    },
  }));
}

async function withDeliveries(on: Executor, rows: readonly NoticeRow[]): Promise<NoticeView[]> {
  if (rows.length === 0) return [];
  const byNotice = new Map<string, DeliveryView[]>();
  for (const { noticeId, delivery } of await readDeliveries(on, sql`d.notice_id in ${idList(rows.map((r) => r.id))}`)) {
    byNotice.set(noticeId, [...(byNotice.get(noticeId) ?? []), delivery]);
  }
  return rows.map((r) => toNoticeView(r, byNotice.get(r.id) ?? []));
}

function toNoticeView(r: NoticeRow, deliveries: DeliveryView[]): NoticeView {
  return {
    noticeId: r.id,
    noticeNo: r.notice_no,
    entityId: r.entity_id,
    entityName: r.entity_name,
    regionCode: r.region_code,
    source: r.source,
    warningId: r.warning_id,
    ruleKey: r.rule_key,
    templateKey: r.template_key,
    templateVersion: Number(r.template_version),
    title: r.title,
    body: r.body,
    legalBasis: r.legal_basis,
    facts: r.facts,
    rectify: r.rectify,
    issuedBy: r.issued_by,
    issuedAt: iso(r.issued_at),
    dueAt: iso(r.due_at),
    deliveryStatus: r.delivery_status,
    deliveries,
    caseId: r.case_id,
    caseStatus: r.case_status,
  };
}
