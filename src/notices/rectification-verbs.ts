// The regulator's view of rectification cases: the list (region-scoped, keyset-paged, filters
// for status, overdue, escalated, region, platform, rule, entity), one case with its notice,
// evidence (metadata only) and timeline, and one evidence file as an attachment. A case outside
// the caller's region is 404, like one that does not exist.
import { authorize, regulator } from "../auth/authorize.js";
import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor, isoTime as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { readCases, toCaseView, type CaseView } from "./cases.js";
import { readEvidenceFile, type StoredFile } from "./evidence.js";
import { encodeTimeIdCursor, olderThanCursor } from "../db/keyset.js";
import { readNotice } from "./notice-views.js";
import type { RegulatorContext } from "./regulator-verbs.js";

export type RectificationDetail = components["schemas"]["RectificationDetail"];
type EvidenceItem = components["schemas"]["EvidenceItem"];
type TimelineStep = components["schemas"]["RectificationStep"];

export interface ListCasesInput {
  status?: CaseView["status"] | undefined;
  overdue?: boolean | undefined;
  escalated?: boolean | undefined;
  region?: string | undefined;
  platform?: string | undefined;
  rule?: string | undefined;
  entity?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Newest first by opening time (then id); the cursor is the last case of the page. */
export async function listRectifications(ctx: RegulatorContext<"db" | "clock">, q: ListCasesInput): Promise<{ cases: CaseView[]; nextCursor: string | null }> {
  const prefix = authorize(ctx.actor, regulator("viewer", q.region)).scope;
  if (prefix === null) return { cases: [], nextCursor: null };
  const now = ctx.clock.now();
  const limit = q.limit ?? 100;
  const where: SQL[] = [sql`starts_with(c.region_code, ${prefix})`];
  if (q.status) where.push(sql`c.status = ${q.status}`);
  // Overdue exactly as the view's `overdue` flag: past the deadline and not accepted.
  const overdue = sql`(c.due_at <= ${now.toISOString()}::timestamptz and c.status <> 'accepted')`;
  if (q.overdue !== undefined) where.push(q.overdue ? overdue : sql`not ${overdue}`);
  if (q.escalated !== undefined) where.push(q.escalated ? sql`c.escalated_at is not null` : sql`c.escalated_at is null`);
  if (q.rule) where.push(sql`c.rule_key = ${q.rule}`);
  if (q.entity) where.push(sql`c.entity_id = ${q.entity}::uuid`);
  if (q.platform) where.push(sql`exists (select 1 from notice_delivery d where d.notice_id = c.notice_id and d.platform_id = ${q.platform}::uuid)`);
  if (q.cursor) where.push(olderThanCursor(sql`c.opened_at`, sql`c.id`, q.cursor));
  const rows = await readCases(ctx.db.orm, sql`${sql.join(where, sql` and `)} order by c.opened_at desc, c.id desc limit ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { cases: page.map((r) => toCaseView(r, now)), nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.opened_at, last.id) : null };
}

/** The case, its notice, its evidence items (no file bytes) and its timeline. */
export async function getRectification(ctx: RegulatorContext<"db" | "clock">, input: { caseId: string }): Promise<RectificationDetail> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const on = ctx.db.orm;
  const [row] = await readCases(on, sql`c.id = ${input.caseId}::uuid and starts_with(c.region_code, ${prefix})`);
  if (!row) throw new AppError("NOT_FOUND", "no such rectification case");
  const notice = await readNotice(on, row.notice_id, prefix);
  return { ...toCaseView(row, ctx.clock.now()), notice: notice!, evidence: await evidenceOf(on, row.id), timeline: await timelineOf(on, row.id) };
}

interface EvidenceRow extends Record<string, unknown> {
  id: string;
  submission: number;
  kind: EvidenceItem["kind"];
  text: string | null;
  url: string | null;
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  submitted_at: Date | string;
  submitted_by: string;
}

export async function evidenceOf(on: Executor, caseId: string): Promise<EvidenceItem[]> {
  const rows = rowsOf<EvidenceRow>(
    await on.execute(sql`
      select id::text as id, submission, kind, text, url, file_name, content_type, size_bytes, sha256, submitted_at, submitted_by
      from rectification_evidence where case_id = ${caseId}::uuid order by submission, created_at, id`),
  );
  return rows.map((r) => ({
    evidenceId: r.id,
    submission: Number(r.submission),
    kind: r.kind,
    ...(r.text !== null ? { text: r.text } : {}),
    ...(r.url !== null ? { url: r.url } : {}),
    ...(r.file_name !== null ? { fileName: r.file_name } : {}),
    ...(r.content_type !== null ? { contentType: r.content_type } : {}),
    ...(r.size_bytes !== null ? { sizeBytes: Number(r.size_bytes) } : {}),
    ...(r.sha256 !== null ? { sha256: r.sha256 } : {}),
    submittedAt: iso(r.submitted_at),
    submittedBy: r.submitted_by,
  }));
}

export async function timelineOf(on: Executor, caseId: string): Promise<TimelineStep[]> {
  const rows = rowsOf<{ at: Date | string; actor: string; action: TimelineStep["action"]; comment: string | null; detail: Record<string, unknown> | string }>(
    await on.execute(sql`select at, actor, action, comment, detail from rectification_step where case_id = ${caseId}::uuid order by seq`),
  );
  return rows.map((r) => ({
    at: iso(r.at),
    actor: r.actor,
    action: r.action,
    comment: r.comment,
    detail: typeof r.detail === "string" ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
  }));
}

/** One file of a case inside the caller's region; evidence of another case, or not a file, is 404. */
export async function rectificationEvidenceFile(ctx: RegulatorContext<"db">, input: { caseId: string; evidenceId: string }): Promise<StoredFile> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const [row] = await readCases(ctx.db.orm, sql`c.id = ${input.caseId}::uuid and starts_with(c.region_code, ${prefix})`);
  const file = row ? await readEvidenceFile(ctx.db.orm, { caseId: row.id, evidenceId: input.evidenceId }) : null;
  if (!file) throw new AppError("NOT_FOUND", "no such evidence file");
  return file;
}
