// The regulator's notice verbs: list and read notices (region-scoped, keyset-paged), issue one by
// hand (officer, audited), and the templates (read: any regulator; save: admin, audited).
// Authorisation first; a notice or entity outside the caller's region is 404, like one that
// does not exist.
import { sql, type SQL } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import { authorize, cityWide, regulator } from "../auth/authorize.js";
import { rowsOf } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { linkDeps, type NoticesDeps } from "./deps.js";
import { issueNotice } from "./issue.js";
import { encodeTimeIdCursor, olderThanCursor } from "../db/keyset.js";
import { readNotice, readNotices, type NoticeView } from "./notice-views.js";
import { currentTemplates, DEFAULT_MANUAL_TEMPLATE, saveTemplateVersion, type TemplateInput, type TemplateView } from "./templates.js";

const DAY = 86_400_000;

export type RegulatorDeps = Pick<NoticesDeps, "db" | "clock" | "publish" | "enqueueMany" | "kick" | "options" | "signer" | "issuer" | "closeWarnings">;
/** A regulator verb's context: the parts it uses (all of RegulatorDeps by default) and who is asking. */
export type RegulatorContext<K extends keyof RegulatorDeps = keyof RegulatorDeps> = Pick<RegulatorDeps, K> & { actor: Actor };

export interface ListNoticesInput {
  delivery?: NoticeView["deliveryStatus"] | undefined;
  source?: NoticeView["source"] | undefined;
  region?: string | undefined;
  platform?: string | undefined;
  entity?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Newest first by issue time (then id); the cursor is the last notice of the page. */
export async function listNotices(ctx: RegulatorContext<"db">, q: ListNoticesInput): Promise<{ notices: NoticeView[]; nextCursor: string | null }> {
  const prefix = authorize(ctx.actor, regulator("viewer", q.region)).scope;
  if (prefix === null) return { notices: [], nextCursor: null };
  const limit = q.limit ?? 100;
  const where: SQL[] = [sql`starts_with(n.region_code, ${prefix})`];
  if (q.delivery) where.push(sql`n.delivery_status = ${q.delivery}`);
  if (q.source) where.push(sql`n.source = ${q.source}`);
  if (q.entity) where.push(sql`n.entity_id = ${q.entity}::uuid`);
  if (q.platform) where.push(sql`exists (select 1 from notice_delivery d where d.notice_id = n.id and d.platform_id = ${q.platform}::uuid)`);
  if (q.cursor) where.push(olderThanCursor(sql`n.issued_at`, sql`n.id`, q.cursor));
  const { rows, views } = await readNotices(ctx.db.orm, sql.join(where, sql` and `), sql`order by n.issued_at desc, n.id desc limit ${limit + 1}`);
  const page = views.slice(0, limit);
  const last = rows[page.length - 1];
  return { notices: page, nextCursor: rows.length > limit && last ? encodeTimeIdCursor(last.issued_at, last.id) : null };
}

export async function getNotice(ctx: RegulatorContext<"db">, input: { noticeId: string }): Promise<NoticeView> {
  const prefix = authorize(ctx.actor, regulator("viewer")).regionPrefix;
  const view = await readNotice(ctx.db.orm, input.noticeId, prefix);
  if (!view) throw new AppError("NOT_FOUND", "no such notice");
  return view;
}

export type ManualNoticeInput = components["schemas"]["ManualNotice"];

/**
 * An officer issues a notice by hand: for an entity inside their region, optionally about one
 * of its warnings (which must not have a notice yet). The notice, its case, deliveries, messages
 * and follow-up jobs are written with the audit row in one transaction.
 */
export async function createManualNotice(ctx: RegulatorContext, input: ManualNoticeInput): Promise<NoticeView> {
  const prefix = authorize(ctx.actor, regulator("officer")).regionPrefix;
  const by = actorLabel(ctx.actor);
  const view = await ctx.db.transaction(async (tx) => {
    const [entity] = rowsOf<{ id: string }>(
      await tx.execute(sql`select id::text as id from entity where id = ${input.entityId}::uuid and starts_with(region_code, ${prefix})`),
    );
    if (!entity) throw new AppError("NOT_FOUND", "no such entity");
    let ruleKey: string | null = null;
    if (input.warningId) {
      const [w] = rowsOf<{ entity_id: string; rule_key: string }>(
        await tx.execute(sql`select entity_id::text as entity_id, rule_key from warning where id = ${input.warningId}::uuid`),
      );
      if (!w || w.entity_id !== entity.id) {
        throw new AppError("VALIDATION_FAILED", "the warning is not one of this entity's", { errors: [{ pointer: "/warningId", message: "not a warning of the entity" }] });
      }
      ruleKey = w.rule_key;
    }
    const dueAt = input.dueAt ? new Date(input.dueAt) : new Date(ctx.clock.now().getTime() + ctx.options.defaultDueDays * DAY);
    const issued = await issueNotice(tx, { ...ctx, link: linkDeps(ctx) }, {
      entityId: entity.id,
      source: "manual",
      warningId: input.warningId ?? null,
      ruleKey,
      templateKey: input.templateKey ?? DEFAULT_MANUAL_TEMPLATE,
      facts: input.facts,
      rectify: input.rectify ?? null,
      dueAt,
      issuedBy: by,
    });
    if (!issued) {
      const [existing] = rowsOf<{ id: string; notice_no: string }>(
        await tx.execute(sql`select id::text as id, notice_no from notice where warning_id = ${input.warningId!}::uuid`),
      );
      throw new AppError("CONFLICT", `the warning already has notice ${existing?.notice_no ?? ""}`.trim(), { noticeId: existing?.id ?? null, noticeNo: existing?.notice_no ?? null });
    }
    const notice = (await readNotice(tx, issued.noticeId, ""))!;
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "notice.issue",
      subjectType: "notice",
      subjectId: issued.noticeId,
      data: { noticeNo: issued.noticeNo, entityId: entity.id, warningId: input.warningId ?? null, templateKey: notice.templateKey, templateVersion: notice.templateVersion, dueAt: notice.dueAt },
    });
    return notice;
  });
  ctx.kick();
  return view;
}

/** The templates in force; any regulator may read them. */
export async function listNoticeTemplates(ctx: RegulatorContext<"db">): Promise<TemplateView[]> {
  authorize(ctx.actor, regulator("viewer"));
  return currentTemplates(ctx.db.orm);
}

/** An admin saves a new version of a template (audited); notices already issued keep their text. */
export async function saveNoticeTemplate(ctx: RegulatorContext<"db" | "clock">, input: TemplateInput & { key: string }): Promise<TemplateView> {
  authorize(ctx.actor, cityWide("admin"));
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const { key, ...template } = input;
    const saved = await saveTemplateVersion(tx, ctx.clock, key, template, by);
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "notice.template.save",
      subjectType: "notice_template",
      subjectId: `${key}@${saved.version}`,
      data: { key, version: saved.version, expectedVersion: template.expectedVersion ?? null, title: saved.title },
    });
    return saved;
  });
}
